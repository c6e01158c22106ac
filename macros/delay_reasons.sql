{#
    Late complaint responses (stages 1 and 2, answered in the year, not on time) by recorded
    delay reason ('Not recorded' when none), with the share of all complaints closed in the
    year at stages 1 and 2 (withdrawn included) and rank() by count: Tables 11 and 12
    (by_directorate: per directorate, shares and ranks within the directorate).
#}
{% macro delay_reasons(by_directorate=false) %}
{%- set keys = ['financial_year', 'directorate'] if by_directorate else ['financial_year'] -%}

with closed as (

    select
        {{ keys | join(', ') }},
        is_response,
        is_on_time,
        delay_reason
    from {{ ref('int_complaints__closed') }}
    where stage in (1, 2)

),

denominators as (

    select
        {{ keys | join(', ') }},
        count(*) as complaints_closed
    from closed
    group by {{ keys | join(', ') }}

),

late as (

    select
        {{ keys | join(', ') }},
        coalesce(delay_reason, 'Not recorded') as delay_reason,
        count(*) as late_complaints
    from closed
    where is_response and not is_on_time
    group by {{ keys | join(', ') }}, coalesce(delay_reason, 'Not recorded')

)

select
    {% for key in keys %}late.{{ key }},{% endfor %}
    late.delay_reason,
    cast(late.late_complaints as integer) as late_complaints,
    late.late_complaints / cast(denominators.complaints_closed as double precision) as share_of_closed,
    cast(
        rank() over (
            partition by {% for key in keys %}late.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by late.late_complaints desc
        ) as integer
    ) as rank
from late
inner join denominators
    on
        {% for key in keys %}late.{{ key }} = denominators.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}

{% endmacro %}
