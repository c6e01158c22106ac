{#
    not_null_columns: none of `column_names` is null, in one query per model (instead of a
    not_null test per column: dbt's cost per test is most of a small build's time).
    A failing row names its first null column (null_column).
#}

{% test not_null_columns(model, column_names) %}

    select
        case
            {%- for column in column_names %}
                when {{ column }} is null then '{{ column }}'
            {%- endfor %}
        end as null_column,
        *
    from {{ model }}
    where
        {%- for column in column_names %}
            {{ "or " if not loop.first }}{{ column }} is null
        {%- endfor %}

{% endtest %}
