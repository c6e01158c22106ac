{#
    Complaints received at one stage by directorate (by received_date, every status), with
    a directorate = 'Total' row and year-on-year columns: Tables 2 and 3.
#}
{% macro received_by_directorate(stage) %}

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

received as (

    select
        received_financial_year as financial_year,
        directorate
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = {{ stage }}

),

directorates as (

    select distinct directorate from received
    union all
    select 'Total'

),

counted as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        count(*) as complaints_received
    from received
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
        on
            years.financial_year = counted.financial_year
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

{% endmacro %}
