-- Table 1: feedback received by the council in the year, with the previous year.
-- stage1_complaints, comments and compliments count by received_date (every status);
-- lgsco_decisions is Table 17's total (the Ombudsman's decisions about the council in the
-- year, from its annual statistics), present only for years the statistics cover.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

measures as (

    select 'stage1_complaints' as measure
    union all
    select 'comments'
    union all
    select 'compliments'
    union all
    select 'lgsco_decisions'

),

received as (

    select
        received_financial_year as financial_year,
        case
            when feedback_type = 'complaint' and stage = 1 then 'stage1_complaints'
            when feedback_type = 'comment' then 'comments'
            when feedback_type = 'compliment' then 'compliments'
        end as measure,
        count(*) as cases_received
    from {{ ref('fct_cases') }}
    group by 1, 2

    union all

    select
        financial_year,
        'lgsco_decisions' as measure,
        decisions as cases_received
    from {{ ref('rpt_lgsco_decisions') }}
    where decision_category = 'Total'

),

spine as (

    select
        years.financial_year,
        measures.measure,
        cast(
            case
                when measures.measure = 'lgsco_decisions' then received.cases_received
                else coalesce(received.cases_received, 0)
            end as integer
        ) as value
    from years
    cross join measures
    left join received
        on years.financial_year = received.financial_year
            and measures.measure = received.measure

),

with_previous as (

    select
        *,
        {{ previous_year('value', 'measure') }} as previous_year_value
    from spine

)

select
    financial_year,
    measure,
    value,
    previous_year_value,
    value - previous_year_value as difference,
    {{ pct_difference('value', 'previous_year_value') }} as pct_difference
from with_previous
where value is not null
