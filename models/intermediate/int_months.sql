-- Every calendar month from the first case received to the last case date in the data:
-- the month spine of the backlog and monthly trend marts.

with bounds as (

    select
        min(received_date) as first_date,
        max(coalesce(closed_date, received_date)) as last_date
    from {{ ref('int_cases__latest') }}

)

select
    calendar.month_start,
    max(calendar.date_day) as month_end
from {{ ref('int_calendar') }} as calendar
inner join bounds
    on
        calendar.month_start >= cast(date_trunc('month', bounds.first_date) as date)
        and calendar.month_start <= bounds.last_date
group by calendar.month_start
