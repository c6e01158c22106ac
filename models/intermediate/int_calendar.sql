-- One row per day with working-day flags. working_day_index counts the working days up
-- to and including the day, so that working days between a and b = index(b) - index(a).

with days as (

    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('" ~ var('calendar_start') ~ "' as date)",
        end_date="cast('" ~ var('calendar_end') ~ "' as date)"
    ) }}

),

bank_holidays as (

    select
        cast(holiday_date as date) as holiday_date,
        holiday_name
    from {{ ref('bank_holidays') }}

),

flagged as (

    select
        cast(days.date_day as date) as date_day,
        bank_holidays.holiday_name as bank_holiday_name,
        extract(isodow from days.date_day) in (6, 7) as is_weekend,
        bank_holidays.holiday_date is not null as is_bank_holiday
    from days
    left join bank_holidays on cast(days.date_day as date) = bank_holidays.holiday_date

)

select
    date_day,
    is_weekend,
    is_bank_holiday,
    bank_holiday_name,
    not is_weekend and not is_bank_holiday as is_working_day,
    cast(sum(case when not is_weekend and not is_bank_holiday then 1 else 0 end)
        over (order by date_day rows between unbounded preceding and current row)
    as integer) as working_day_index,
    {{ financial_year('date_day') }} as financial_year,
    {{ financial_year_start('date_day') }} as financial_year_start,
    cast(date_trunc('month', date_day) as date) as month_start,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week
from flagged
