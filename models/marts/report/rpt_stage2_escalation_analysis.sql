-- Section 3.21: stage 2 complaints closed in the year, and how the upheld or partly upheld
-- ones split by what happened at stage 1: already upheld or partly upheld there; stage 1
-- decision overturned (the parent exists with another outcome); stage 1 bypassed (no
-- parent, or a parent_ref naming no known case).

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

stage2 as (

    select
        financial_year,
        outcome in ('upheld', 'partly_upheld') as is_upheld_or_partly,
        escalation_type,
        parent_outcome
    from {{ ref('int_complaints__closed') }}
    where stage = 2

),

counted as (

    select
        financial_year,
        count(*) as stage2_closed,
        count(case when is_upheld_or_partly then 1 end) as stage2_upheld_or_partly,
        count(
            case
                when
                    is_upheld_or_partly and escalation_type = 'escalated'
                    and parent_outcome in ('upheld', 'partly_upheld')
                    then 1
            end
        ) as already_upheld_at_stage1,
        count(
            case
                when
                    is_upheld_or_partly and escalation_type = 'escalated'
                    and coalesce(parent_outcome, '') not in ('upheld', 'partly_upheld')
                    then 1
            end
        ) as stage1_overturned,
        count(
            case when is_upheld_or_partly and escalation_type <> 'escalated' then 1 end
        ) as bypassed_stage1
    from stage2
    group by financial_year

)

select
    years.financial_year,
    cast(coalesce(counted.stage2_closed, 0) as integer) as stage2_closed,
    cast(coalesce(counted.stage2_upheld_or_partly, 0) as integer) as stage2_upheld_or_partly,
    cast(coalesce(counted.already_upheld_at_stage1, 0) as integer) as already_upheld_at_stage1,
    cast(coalesce(counted.stage1_overturned, 0) as integer) as stage1_overturned,
    cast(coalesce(counted.bypassed_stage1, 0) as integer) as bypassed_stage1
from years
left join counted on years.financial_year = counted.financial_year
