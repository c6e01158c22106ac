{#
    Rows of a child file (reasons, actions) from the latest delivery that holds the case:
    a case's reasons delivered again replace all of its earlier reasons. `where`: a filter on
    the rows ranked (it must keep or drop all the rows of a key together).
#}
{% macro rows_of_latest_delivery(relation, key='case_ref', where=none) -%}
    select *
    from (
        select
            *,
            dense_rank() over (
                partition by {{ key }}
                order by delivered_at desc, delivery_id desc
            ) as delivery_rank
        from {{ relation }}
        {% if where %}where {{ where }}{% endif %}
    ) as ranked
    where delivery_rank = 1
{%- endmacro %}

{#
    Surrogate key of a row by where it was delivered: delivery, file and row.
#}
{% macro source_row_key(alias) -%}
    {{ dbt.hash(
        alias ~ ".delivery_id || '|' || " ~ alias ~ ".source_file || '|' || cast("
        ~ alias ~ ".source_row as " ~ dbt.type_string() ~ ")"
    ) }}
{%- endmacro %}
