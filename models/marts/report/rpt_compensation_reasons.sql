-- Table 14: payments made in the year (by paid_date) by payment reason ('Not recorded'
-- when none): number and amount, each reason's share of the number of payments, and a
-- payment_reason = 'Total' row.

with payments as (

    select
        paid_financial_year as financial_year,
        coalesce(payment_reason, 'Not recorded') as payment_reason,
        amount_gbp
    from {{ ref('fct_payments') }}

),

counted as (

    select
        financial_year,
        case when grouping(payment_reason) = 1 then 'Total' else payment_reason end
            as payment_reason,
        count(*) as payments,
        sum(amount_gbp) as amount_gbp
    from payments
    group by rollup(financial_year, payment_reason)
    having financial_year is not null

)

select
    financial_year,
    payment_reason,
    cast(payments as integer) as payments,
    cast(amount_gbp as decimal(18, 2)) as amount_gbp,
    payments / cast(
        max(case when payment_reason = 'Total' then payments end)
            over (partition by financial_year)
        as double precision
    ) as share_of_payments
from counted
