{#
    Rows of a child file (reasons, actions, profiles) from the latest delivery that holds the
    case: a case's reasons delivered again replace all of its earlier reasons. In an
    incremental build, only the rows of the cases changed since the model's last build
    (cases_changed_since_last_build, macros/incremental.sql) are ranked.
#}
{% macro rows_of_latest_delivery(relation) -%}
    select *
    from (
        select
            *,
            dense_rank() over (
                partition by case_ref
                order by delivered_at desc, delivery_id desc
            ) as delivery_rank
        from {{ relation }}
        {% if is_incremental() %}
            where case_ref in ({{ cases_changed_since_last_build(relation) }})
        {% endif %}
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
