-- Every financial year from the first to the last date in the data (cases received and
-- closed, payments, Ombudsman decisions, member conduct complaints): the year spine of
-- the report marts, so that a year with nothing of a kind shows 0, not a gap.

with dates as (

    select received_date as day from {{ ref('int_cases__latest') }}
    union all
    select closed_date from {{ ref('int_cases__latest') }}
    union all
    select paid_date from {{ ref('stg_cases__case_payments') }}
    union all
    select decision_date from {{ ref('stg_cases__ombudsman_cases') }}
    union all
    select received_date from {{ ref('stg_cases__member_conduct_complaints') }}

),

bounds as (

    select
        min(day) as first_date,
        max(day) as last_date
    from dates

)

select
    calendar.financial_year,
    min(calendar.date_day) as financial_year_start,
    max(calendar.date_day) as financial_year_end
from {{ ref('int_calendar') }} as calendar
where calendar.financial_year in (
        select in_range.financial_year
        from {{ ref('int_calendar') }} as in_range
        inner join bounds
            on in_range.date_day between bounds.first_date and bounds.last_date
    )
group by calendar.financial_year
