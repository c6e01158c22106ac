-- Section 6.1: money paid or waived in the year (by paid_date) by directorate of the case,
-- of which following LGSCO decisions, with a directorate = 'Total' row and the previous
-- year. Payments whose case is unknown count under 'Not recorded'. Empty when no
-- payments were ever delivered (not reported is not the same as nothing paid).

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

payments as (

    select
        paid_financial_year as financial_year,
        coalesce(directorate, 'Not recorded') as directorate,
        amount_gbp,
        case when is_following_lgsco then amount_gbp else 0 end as following_lgsco_gbp
    from {{ ref('fct_payments') }}

),

directorates as (

    select distinct directorate from payments
    union all
    select distinct 'Total' as directorate from payments

),

summed as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        sum(amount_gbp) as amount_gbp,
        sum(following_lgsco_gbp) as following_lgsco_gbp
    from payments
    group by rollup(financial_year, directorate)
    having financial_year is not null

),

spine as (

    select
        years.financial_year,
        directorates.directorate,
        cast(coalesce(summed.amount_gbp, 0) as decimal(18, 2)) as amount_gbp,
        cast(coalesce(summed.following_lgsco_gbp, 0) as decimal(18, 2)) as following_lgsco_gbp
    from years
    cross join directorates
    left join summed
        on
            years.financial_year = summed.financial_year
            and directorates.directorate = summed.directorate

),

with_previous as (

    select
        *,
        {{ previous_year('amount_gbp', 'directorate') }} as previous_year_amount_gbp
    from spine

)

select
    financial_year,
    directorate,
    amount_gbp,
    following_lgsco_gbp,
    previous_year_amount_gbp,
    cast(amount_gbp - previous_year_amount_gbp as decimal(18, 2)) as difference_gbp
from with_previous
