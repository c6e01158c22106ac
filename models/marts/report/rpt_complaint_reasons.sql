-- Table 8: reasons recorded on stage 1 complaints received in the year. Every case_reasons
-- row counts (a case with two reasons counts twice); a complaint with no case_reasons rows
-- counts its primary_reason once ('Blank' when it has none). A reason = 'Total' row
-- carries the year's total; share is of that total.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

complaints as (

    select
        case_ref,
        received_financial_year as financial_year,
        primary_reason
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1

),

reason_rows as (

    select
        case_ref,
        reason
    from {{ ref('fct_case_reasons') }}

),

recorded as (

    select
        complaints.financial_year,
        reason_rows.reason
    from complaints
    inner join reason_rows on complaints.case_ref = reason_rows.case_ref

    union all

    select
        complaints.financial_year,
        coalesce(complaints.primary_reason, 'Blank') as reason
    from complaints
    where not exists (
            select 1 from reason_rows
            where reason_rows.case_ref = complaints.case_ref
        )

),

reasons as (

    select distinct reason from recorded
    union all
    select 'Total'

),

counted as (

    select
        financial_year,
        case when grouping(reason) = 1 then 'Total' else reason end as reason,
        count(*) as reasons_recorded
    from recorded
    group by rollup(financial_year, reason)
    having financial_year is not null

),

spine as (

    select
        years.financial_year,
        reasons.reason,
        cast(coalesce(counted.reasons_recorded, 0) as integer) as reasons_recorded
    from years
    cross join reasons
    left join counted
        on
            years.financial_year = counted.financial_year
            and reasons.reason = counted.reason

)

select
    financial_year,
    reason,
    reasons_recorded,
    reasons_recorded / nullif(
        cast(
            max(case when reason = 'Total' then reasons_recorded end)
                over (partition by financial_year)
            as double precision
        ),
        0
    ) as share
from spine
