-- New (issue #10): the escalation funnel. The cohort of stage 1 complaints received in the
-- year (every status) followed on: escalated to stage 2 (a later-stage record names it as
-- parent_ref), reached the LGSCO (an LGSCO case linked to it or to a record escalated from
-- it, through the council's log or an lgsco_ref on a case; see int_lgsco__case_links), and
-- the Ombudsman's outcome (published decision, else the council's log): upheld, or not
-- upheld (a complaint with several LGSCO cases is upheld if any was). Stage 2 complaints
-- that bypassed stage 1 are not in any cohort.

with years as (

    select financial_year
    from {{ ref('int_financial_years') }}

),

cohort as (

    select
        case_ref,
        received_financial_year as financial_year,
        is_escalated
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1

),

lgsco as (

    select
        stage1_case_ref,
        max(case when lgsco_outcome = 'upheld' then 1 else 0 end) as is_upheld,
        max(case when lgsco_outcome = 'not_upheld' then 1 else 0 end) as is_not_upheld
    from {{ ref('int_lgsco__case_links') }}
    where stage1_case_ref is not null
    group by stage1_case_ref

),

aggregated as (

    select
        cohort.financial_year,
        count(*) as stage1_received,
        count(case when cohort.is_escalated then 1 end) as escalated_to_stage2,
        count(lgsco.stage1_case_ref) as reached_lgsco,
        count(case when cohort.is_escalated and lgsco.stage1_case_ref is not null then 1 end)
            as reached_lgsco_after_stage2,
        count(case when lgsco.is_upheld = 1 then 1 end) as lgsco_upheld,
        count(case when lgsco.is_upheld = 0 and lgsco.is_not_upheld = 1 then 1 end)
            as lgsco_not_upheld
    from cohort
    left join lgsco on cohort.case_ref = lgsco.stage1_case_ref
    group by cohort.financial_year

),

filled as (

    select
        years.financial_year,
        coalesce(aggregated.stage1_received, 0) as stage1_received,
        coalesce(aggregated.escalated_to_stage2, 0) as escalated_to_stage2,
        coalesce(aggregated.reached_lgsco, 0) as reached_lgsco,
        coalesce(aggregated.reached_lgsco_after_stage2, 0) as reached_lgsco_after_stage2,
        coalesce(aggregated.lgsco_upheld, 0) as lgsco_upheld,
        coalesce(aggregated.lgsco_not_upheld, 0) as lgsco_not_upheld
    from years
    left join aggregated on years.financial_year = aggregated.financial_year

)

select
    financial_year,
    cast(stage1_received as integer) as stage1_received,
    cast(escalated_to_stage2 as integer) as escalated_to_stage2,
    escalated_to_stage2 / nullif(cast(stage1_received as double precision), 0) as stage2_rate,
    cast(reached_lgsco as integer) as reached_lgsco,
    reached_lgsco / nullif(cast(stage1_received as double precision), 0) as lgsco_rate,
    cast(reached_lgsco_after_stage2 as integer) as reached_lgsco_after_stage2,
    reached_lgsco_after_stage2 / nullif(cast(escalated_to_stage2 as double precision), 0)
        as lgsco_after_stage2_rate,
    cast(lgsco_upheld as integer) as lgsco_upheld,
    cast(lgsco_not_upheld as integer) as lgsco_not_upheld,
    lgsco_upheld / nullif(cast(lgsco_upheld + lgsco_not_upheld as double precision), 0)
        as lgsco_uphold_rate
from filled
