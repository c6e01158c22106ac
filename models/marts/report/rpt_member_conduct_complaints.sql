-- Table 15: member code of conduct complaints received in the year, by outcome
-- ('not_recorded' when none); every contract outcome appears in every year. Empty when
-- no member conduct complaints were ever delivered.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

complaints as (

    select
        {{ financial_year('received_date') }} as financial_year,
        coalesce(outcome, 'not_recorded') as outcome
    from (
        select
            *,
            row_number() over (
                partition by complaint_ref
                order by delivered_at desc, delivery_id desc, source_file desc, source_row desc
            ) as version_rank
        from {{ ref('stg_cases__member_conduct_complaints') }}
    ) as versions
    where version_rank = 1

),

outcomes as (

    select 'no_action' as outcome
    union
    select 'resolved_upon_receipt'
    union
    select 'dismissed'
    union
    select 'action_taken_by_party'
    union
    select 'investigated'
    union
    select 'other'
    union
    select distinct outcome from complaints

),

counted as (

    select
        financial_year,
        outcome,
        count(*) as complaints
    from complaints
    group by financial_year, outcome

)

select
    years.financial_year,
    outcomes.outcome,
    cast(coalesce(counted.complaints, 0) as integer) as complaints
from years
cross join outcomes
left join counted
    on
        years.financial_year = counted.financial_year
        and outcomes.outcome = counted.outcome
where exists (select 1 from complaints)
