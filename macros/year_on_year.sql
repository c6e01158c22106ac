{#
    Year-on-year columns over a year spine: previous value, difference and % difference.
    NULL for the first year in the data; pct NULL when the previous value is 0.
#}
{% macro previous_year(value, partition_by) -%}
    lag({{ value }}) over (
        {% if partition_by %}partition by {{ partition_by }}{% endif %} order by financial_year
    )
{%- endmacro %}

{% macro pct_difference(value, previous) -%}
    case when {{ previous }} <> 0 then ({{ value }} - {{ previous }}) / cast({{ previous }} as double precision) end
{%- endmacro %}
