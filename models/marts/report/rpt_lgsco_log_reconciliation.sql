-- For the complaints team to work through: every disagreement between the council's own
-- log of LGSCO cases and the decisions the Ombudsman published about the council.
--   published_not_in_log: a published decision the log does not hold
--   in_log_not_published: a logged case with a decision but no published decision (the
--     Ombudsman does not publish every decision: premature and most closed cases are not)
--   outcome_differs: logged upheld / not upheld / closed vs published upheld / not upheld /
--     closed after initial enquiries
--   decision_date_differs: both hold the case, with different decision dates

with logged as (

    select * from {{ ref('int_ombudsman_cases__latest') }}

),

published as (

    select * from {{ ref('fct_lgsco_decisions') }}
    where is_this_council

),

joined as (

    select
        coalesce(logged.lgsco_ref, published.lgsco_ref) as lgsco_ref,
        logged.lgsco_ref is not null as is_in_log,
        published.lgsco_ref is not null as is_published,
        logged.council_outcome,
        published.decision as published_decision,
        logged.decision_date as council_decision_date,
        published.decision_date as published_decision_date,
        coalesce(logged.directorate, published.directorate) as directorate,
        coalesce(logged.service, published.service) as service,
        published.url
    from logged
    full outer join published on logged.lgsco_ref = published.lgsco_ref

),

issues as (

    select
        *,
        case
            when not is_in_log then 'published_not_in_log'
            when not is_published and council_decision_date is not null
                then 'in_log_not_published'
            when
                is_published
                and coalesce(council_outcome, '') <> case published_decision
                    when 'upheld' then 'upheld'
                    when 'not_upheld' then 'not_upheld'
                    when 'closed_after_initial_enquiries' then 'closed'
                    else coalesce(published_decision, '')
                end
                then 'outcome_differs'
            when is_published and council_decision_date <> published_decision_date
                then 'decision_date_differs'
        end as issue
    from joined

)

select
    lgsco_ref,
    issue,
    council_outcome,
    published_decision,
    council_decision_date,
    published_decision_date,
    case when coalesce(published_decision_date, council_decision_date) is not null
            then {{ financial_year('coalesce(published_decision_date, council_decision_date)') }}
    end as financial_year,
    directorate,
    service,
    url
from issues
where issue is not null
