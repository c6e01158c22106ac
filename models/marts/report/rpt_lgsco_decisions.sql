-- Table 17: the LGSCO's decisions about the council in each year, from its annual
-- statistics, by decision category, with a 'Total' row (the Ombudsman's total, else the
-- sum of the categories) and the uphold rate: upheld / (upheld + not upheld) until
-- 2023/24, upheld / investigated from 2024/25 (the Ombudsman's new scheme, whose categories
-- are not_for_us, assessed_and_closed, investigated and upheld).

with decided as (

    select
        financial_year,
        scheme,
        measure,
        value
    from {{ ref('fct_lgsco_annual_stats') }}
    where is_this_council and family = 'decisions_made' and measure not like '%_pct'

),

categories as (

    select
        financial_year,
        scheme,
        measure as decision_category,
        cast(value as integer) as decisions
    from decided
    where measure in (
            'upheld', 'not_upheld', 'advice_given', 'closed_after_initial_enquiries',
            'incomplete_or_invalid', 'referred_back_for_local_resolution',
            'not_for_us', 'assessed_and_closed', 'investigated'
        )

),

totals as (

    select
        categories.financial_year,
        categories.scheme,
        'Total' as decision_category,
        cast(
            coalesce(
                max(published.value),
                sum(
                    case
                        when categories.scheme = 'to_2023_24' or categories.decision_category <> 'upheld'
                            then categories.decisions
                    end
                )
            ) as integer
        ) as decisions
    from categories
    left join decided as published
        on
            categories.financial_year = published.financial_year
            and published.measure in ('decided_total', 'complaints_dealt_with')
    group by categories.financial_year, categories.scheme

),

rates as (

    select
        financial_year,
        max(case when decision_category = 'upheld' then decisions end)
        / nullif(
            cast(
                coalesce(
                    max(case when decision_category = 'investigated' then decisions end),
                    max(case when decision_category = 'upheld' then decisions end)
                    + max(case when decision_category = 'not_upheld' then decisions end)
                ) as double precision
            ),
            0
        ) as uphold_rate
    from categories
    group by financial_year

),

all_rows as (

    select * from categories
    union all
    select * from totals

)

select
    all_rows.financial_year,
    all_rows.decision_category,
    all_rows.decisions,
    all_rows.scheme,
    rates.uphold_rate
from all_rows
left join rates on all_rows.financial_year = rates.financial_year
