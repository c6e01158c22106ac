{#
    Schemas are named as configured (`staging`, `marts`, `report`, ...) rather than
    prefixed with the target schema, so BI tools find `report.rpt_*` on every target.
    The var schema_suffix (default none) builds into other schemas (`report__next`, ...),
    which the Postgres publish step swaps in all at once.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ var('schema_suffix', '') }}
    {%- endif -%}
{%- endmacro %}
