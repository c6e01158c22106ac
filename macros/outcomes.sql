{#
    Complaints at one stage closed in the year by outcome (withdrawn as its own outcome),
    with the share of all complaints closed at that stage in the year, withdrawn included:
    Tables 5 and 6.
#}
{% macro outcomes_by_stage(stage) %}

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

outcomes as (

    select 'not_upheld' as outcome
    union all
    select 'upheld'
    union all
    select 'partly_upheld'
    union all
    select 'resolved_upon_receipt'
    union all
    select 'withdrawn'

),

closed as (

    select
        financial_year,
        outcome,
        count(*) as complaints_closed
    from {{ ref('int_complaints__closed') }}
    where stage = {{ stage }}
    group by financial_year, outcome

),

spine as (

    select
        years.financial_year,
        outcomes.outcome,
        cast(coalesce(closed.complaints_closed, 0) as integer) as complaints_closed
    from years
    cross join outcomes
    left join closed
        on
            years.financial_year = closed.financial_year
            and outcomes.outcome = closed.outcome

)

select
    financial_year,
    outcome,
    complaints_closed,
    complaints_closed / nullif(
        cast(sum(complaints_closed) over (partition by financial_year) as double precision), 0
    ) as share_of_closed
from spine

{% endmacro %}
