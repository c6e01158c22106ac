-- New: escalation rates by directorate (and a directorate = 'Total' row): of the stage 1
-- complaints closed in the year (withdrawn included), how many went on to stage 2; stage 2
-- complaints closed; LGSCO cases from the council's log (by decision_date) per stage 2
-- complaint closed and per 100 stage 1 complaints closed.

with closed as (

    select
        financial_year,
        directorate,
        stage,
        is_escalated
    from {{ ref('int_complaints__closed') }}

),

ombudsman as (

    select
        decision_financial_year as financial_year,
        directorate
    from {{ ref('int_ombudsman_cases__latest') }}
    where decision_financial_year is not null

),

complaints_by_directorate as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        count(case when stage = 1 then 1 end) as stage1_closed,
        count(case when stage = 1 and is_escalated then 1 end) as escalated_to_stage2,
        count(case when stage = 2 then 1 end) as stage2_closed
    from closed
    group by financial_year, rollup(directorate)

),

ombudsman_by_directorate as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        count(*) as lgsco_cases
    from ombudsman
    group by financial_year, rollup(directorate)

),

combined as (

    select
        coalesce(c.financial_year, o.financial_year) as financial_year,
        coalesce(c.directorate, o.directorate) as directorate,
        coalesce(c.stage1_closed, 0) as stage1_closed,
        coalesce(c.escalated_to_stage2, 0) as escalated_to_stage2,
        coalesce(c.stage2_closed, 0) as stage2_closed,
        coalesce(o.lgsco_cases, 0) as lgsco_cases
    from complaints_by_directorate as c
    full outer join ombudsman_by_directorate as o
        on c.financial_year = o.financial_year and c.directorate = o.directorate

)

select
    financial_year,
    directorate,
    cast(stage1_closed as integer) as stage1_closed,
    cast(escalated_to_stage2 as integer) as escalated_to_stage2,
    escalated_to_stage2 / nullif(cast(stage1_closed as double precision), 0) as stage2_rate,
    cast(stage2_closed as integer) as stage2_closed,
    cast(lgsco_cases as integer) as lgsco_cases,
    lgsco_cases / nullif(cast(stage2_closed as double precision), 0) as lgsco_rate,
    100 * lgsco_cases / nullif(cast(stage1_closed as double precision), 0) as lgsco_per_100_stage1
from combined
