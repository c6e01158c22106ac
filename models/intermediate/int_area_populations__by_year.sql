-- The population of every area of the area_populations seed for every financial year of
-- the data: the latest mid-year estimate not after the year the financial year starts in,
-- else the earliest one (so a year before the seed's first estimate still has a rate).

with years as (

    select
        financial_year,
        extract(year from financial_year_start) as start_year
    from {{ ref('int_financial_years') }}

),

estimates as (

    select
        area_code,
        area_name,
        mid_year,
        population,
        deprivation_decile
    from {{ ref('area_populations') }}

),

ranked as (

    select
        years.financial_year,
        estimates.area_code,
        estimates.area_name,
        estimates.mid_year,
        estimates.population,
        estimates.deprivation_decile,
        row_number() over (
            partition by years.financial_year, estimates.area_code
            order by
                case when estimates.mid_year <= years.start_year then 0 else 1 end,
                case when estimates.mid_year <= years.start_year then -estimates.mid_year
                    else estimates.mid_year
                end
        ) as estimate_rank
    from years
    cross join estimates

)

select
    financial_year,
    area_code,
    area_name,
    cast(mid_year as integer) as mid_year,
    cast(population as integer) as population,
    cast(deprivation_decile as integer) as deprivation_decile
from ranked
where estimate_rank = 1
