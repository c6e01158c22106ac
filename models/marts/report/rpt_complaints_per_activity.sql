-- New (issue #10): stage 1 complaints received per service and financial year, per 1,000
-- units of the service's activity (service_activity seed: one row per measure the council
-- records for the service and year) and per 10,000 residents (the area_populations seed's
-- total for the year, else the `population` var). A service with complaints but no
-- activity figure for the year has one row with an empty measure, so its per-resident
-- rate still shows; an activity figure with no complaints has a row with 0 complaints.

with complaints as (

    select
        received_financial_year as financial_year,
        coalesce(service, directorate) as service,
        count(*) as complaints
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1
    group by received_financial_year, coalesce(service, directorate)

),

activity as (

    select
        service,
        financial_year,
        measure,
        value
    from {{ ref('service_activity') }}
    where financial_year in (select fy.financial_year from {{ ref('int_financial_years') }} as fy)

),

residents as (

    select
        years.financial_year,
        coalesce(sum(populations.population), {{ var('population') }}) as residents
    from {{ ref('int_financial_years') }} as years
    left join {{ ref('int_area_populations__by_year') }} as populations
        on years.financial_year = populations.financial_year
    group by years.financial_year

),

rows_wanted as (

    select
        financial_year,
        service,
        measure,
        value
    from activity
    union all
    select
        complaints.financial_year,
        complaints.service,
        null as measure,
        null as value
    from complaints
    where not exists (
            select 1 from activity
            where
                activity.financial_year = complaints.financial_year
                and activity.service = complaints.service
        )

)

select
    rows_wanted.financial_year,
    rows_wanted.service,
    rows_wanted.measure as activity_measure,
    cast(rows_wanted.value as double precision) as activity_value,
    cast(coalesce(complaints.complaints, 0) as integer) as stage1_complaints,
    cast(
        1000 * coalesce(complaints.complaints, 0)
        / cast(nullif(rows_wanted.value, 0) as double precision)
        as double precision
    ) as complaints_per_1000_units,
    cast(residents.residents as integer) as residents,
    cast(
        10000 * coalesce(complaints.complaints, 0)
        / cast(nullif(residents.residents, 0) as double precision)
        as double precision
    ) as complaints_per_10000_residents
from rows_wanted
left join complaints
    on
        rows_wanted.financial_year = complaints.financial_year
        and rows_wanted.service = complaints.service
left join residents on rows_wanted.financial_year = residents.financial_year
