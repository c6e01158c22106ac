-- Table 2: stage 1 complaints received by directorate (by received_date, every status),
-- with a Total row and the previous year.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

stage1 as (

    select
        received_financial_year as financial_year,
        directorate
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1

),

directorates as (

    select distinct directorate from stage1
    union all
    select 'Total'

),

counted as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        count(*) as complaints_received
    from stage1
    group by rollup(financial_year, directorate)
    having financial_year is not null

),

spine as (

    select
        years.financial_year,
        directorates.directorate,
        cast(coalesce(counted.complaints_received, 0) as integer) as complaints_received
    from years
    cross join directorates
    left join counted
        on years.financial_year = counted.financial_year
            and directorates.directorate = counted.directorate

),

with_previous as (

    select
        *,
        {{ previous_year('complaints_received', 'directorate') }} as previous_year_received
    from spine

)

select
    financial_year,
    directorate,
    complaints_received,
    previous_year_received,
    complaints_received - previous_year_received as difference,
    {{ pct_difference('complaints_received', 'previous_year_received') }} as pct_difference
from with_previous
