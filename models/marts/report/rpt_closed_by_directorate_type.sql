-- Table 4: cases closed at stage 1 by directorate and type: comments and compliments
-- closed in the year (they have no stage) and stage 1 complaints closed in the year
-- (withdrawn included), with Total rows for directorate and type and the previous year.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

closed as (

    select
        closed_financial_year as financial_year,
        directorate,
        feedback_type
    from {{ ref('fct_cases') }}
    where
        is_closed
        and (
            feedback_type in ('comment', 'compliment')
            or (feedback_type = 'complaint' and stage = 1)
        )

),

directorates as (

    select distinct directorate from closed
    union all
    select 'Total'

),

feedback_types as (

    select 'comment' as feedback_type
    union all
    select 'complaint'
    union all
    select 'compliment'
    union all
    select 'Total'

),

counted as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        case when grouping(feedback_type) = 1 then 'Total' else feedback_type end as feedback_type,
        count(*) as cases_closed
    from closed
    group by financial_year, cube(directorate, feedback_type)

),

spine as (

    select
        years.financial_year,
        directorates.directorate,
        feedback_types.feedback_type,
        cast(coalesce(counted.cases_closed, 0) as integer) as cases_closed
    from years
    cross join directorates
    cross join feedback_types
    left join counted
        on
            years.financial_year = counted.financial_year
            and directorates.directorate = counted.directorate
            and feedback_types.feedback_type = counted.feedback_type

),

with_previous as (

    select
        *,
        {{ previous_year('cases_closed', 'directorate, feedback_type') }}
            as previous_year_cases_closed
    from spine

)

select
    financial_year,
    directorate,
    feedback_type,
    cases_closed,
    previous_year_cases_closed,
    cases_closed - previous_year_cases_closed as difference,
    {{ pct_difference('cases_closed', 'previous_year_cases_closed') }} as pct_difference
from with_previous
