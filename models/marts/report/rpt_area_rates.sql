-- New (issue #10): stage 1 complaints received per 10,000 residents by the complainant's
-- area (cases.area_code) and financial year, with the area's deprivation decile where the
-- area_populations seed gives one. Every seed area has a row in every year that has any
-- complaint with an area code (0 when none came from it); codes missing from the seed get
-- a row without a population (is_area_in_seed false), and complaints without an area code
-- one 'Not recorded' row. Empty when the case export delivers no area codes.

with complaints as (

    select
        received_financial_year as financial_year,
        coalesce(area_code, 'Not recorded') as area_code
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1

),

years_with_areas as (

    select distinct financial_year from complaints
    where area_code <> 'Not recorded'

),

counted as (

    select
        financial_year,
        area_code,
        count(*) as complaints
    from complaints
    where financial_year in (select years_with_areas.financial_year from years_with_areas)
    group by financial_year, area_code

),

populations as (

    select * from {{ ref('int_area_populations__by_year') }}
    where financial_year in (select years_with_areas.financial_year from years_with_areas)

),

areas as (

    select
        financial_year,
        area_code
    from counted
    union
    select
        financial_year,
        area_code
    from populations

)

select
    areas.financial_year,
    areas.area_code,
    coalesce(
        populations.area_name,
        case when areas.area_code = 'Not recorded' then 'Area not recorded' end
    ) as area_name,
    populations.mid_year is not null as is_area_in_seed,
    populations.deprivation_decile,
    populations.mid_year as population_mid_year,
    populations.population,
    cast(coalesce(counted.complaints, 0) as integer) as stage1_complaints,
    cast(
        10000 * coalesce(counted.complaints, 0)
        / cast(nullif(populations.population, 0) as double precision)
        as double precision
    ) as complaints_per_10000_residents
from areas
left join counted
    on areas.financial_year = counted.financial_year and areas.area_code = counted.area_code
left join populations
    on areas.financial_year = populations.financial_year and areas.area_code = populations.area_code
