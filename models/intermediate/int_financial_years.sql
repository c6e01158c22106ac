-- Every financial year from the first to the last case date in the data: the year spine
-- of the report marts, so that a year with no cases of a kind shows 0, not a gap.

with bounds as (

    select
        min(received_date) as first_date,
        max(coalesce(closed_date, received_date)) as last_date
    from {{ ref('int_cases__latest') }}

)

select distinct calendar.financial_year
from {{ ref('int_calendar') }} as calendar
inner join bounds
    on calendar.date_day between bounds.first_date and bounds.last_date
