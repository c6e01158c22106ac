-- Tables 18-21: the council's own log of LGSCO cases with a decision in the year, by
-- directorate, service and the council's recorded outcome (upheld, not upheld, closed,
-- premature), with 'Total' rows per service (all outcomes) and per directorate (service
-- 'Total'), and how many of them match a decision the Ombudsman published, by reference.

with logged as (

    select
        logged.decision_financial_year as financial_year,
        logged.directorate,
        coalesce(logged.service, 'Not recorded') as service,
        coalesce(logged.council_outcome, 'not_recorded') as council_outcome,
        published.lgsco_ref is not null as is_matched
    from {{ ref('int_ombudsman_cases__latest') }} as logged
    left join {{ ref('fct_lgsco_decisions') }} as published
        on logged.lgsco_ref = published.lgsco_ref
    where logged.decision_financial_year is not null

)

select
    financial_year,
    directorate,
    case when grouping(service) = 1 then 'Total' else service end as service,
    case when grouping(council_outcome) = 1 then 'Total' else council_outcome end as council_outcome,
    cast(count(*) as integer) as cases,
    cast(count(case when is_matched then 1 end) as integer) as matched_to_published_decision
from logged
group by financial_year, directorate, cube(service, council_outcome)
