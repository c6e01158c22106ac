-- Table 16: complaints and enquiries the LGSCO received about the council in each year, by
-- the Ombudsman's subject area, from its annual statistics, with a 'Total' row (the sum of
-- the areas). Every subject area appears in every year the statistics cover.

with received as (

    select
        financial_year,
        subject_area,
        value
    from {{ ref('fct_lgsco_annual_stats') }}
    where is_this_council and measure = 'received' and subject_area is not null

),

years as (

    select distinct financial_year from received

),

areas as (

    select 'Adult care services' as lgsco_category
    union
    select 'Benefits and tax'
    union
    select 'Corporate and other services'
    union
    select 'Education and children''s services'
    union
    select 'Environmental services'
    union
    select 'Highways and transport'
    union
    select 'Housing'
    union
    select 'Planning and development'
    union
    select 'Other'
    union
    select distinct subject_area from received

),

by_area as (

    select
        years.financial_year,
        areas.lgsco_category,
        cast(coalesce(sum(received.value), 0) as integer) as complaints_received
    from years
    cross join areas
    left join received
        on
            years.financial_year = received.financial_year
            and areas.lgsco_category = received.subject_area
    group by years.financial_year, areas.lgsco_category

)

select * from by_area

union all

select
    financial_year,
    'Total' as lgsco_category,
    cast(sum(complaints_received) as integer) as complaints_received
from by_area
group by financial_year
