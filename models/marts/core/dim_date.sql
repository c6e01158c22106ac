-- The calendar: one row per day with working-day flags (weekends and England and Wales
-- bank holidays), the working-day index used for working-day arithmetic, and the
-- financial year.

select
    date_day,
    financial_year,
    financial_year_start,
    month_start,
    iso_day_of_week,
    is_weekend,
    is_bank_holiday,
    bank_holiday_name,
    is_working_day,
    working_day_index
from {{ ref('int_calendar') }}
