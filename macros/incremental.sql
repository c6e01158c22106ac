{#
    Incremental case models: one row per case_ref, rebuilt only for the cases that changed.

    The case inputs only grow (every delivery is kept; the nightly flow builds from a copy of
    the last published build only when no validated file was removed or changed since, and
    from scratch otherwise, see flows/build_base.py). So each model can find what changed
    since its own last build from the watermarks it keeps in its rows:

    last_delivery_id   (int_cases__latest) the newest delivery that carried a version of the
                       case; delivery ids sort in landing order
    built_at           (every incremental case model) when the row was last written: the
                       dbt run's start time

    build_timestamp()             this run's built_at
    watermark(column, default)    max(column) in this model's table, as a literal (a literal
                                  lets DuckDB skip Parquet row groups and table zones that
                                  hold only older rows)
    written_since_last_build(alias)
                                  a row (of an upstream incremental model, `alias.`)
                                  written after this model's own last build
#}

{% macro build_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{% macro watermark(column, default) -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select cast(max(" ~ column ~ ") as varchar) from " ~ this
        ).columns[0].values()[0] -%}
        '{{ found if found is not none else default }}'
    {%- else -%}
        '{{ default }}'
    {%- endif -%}
{%- endmacro %}

{% macro written_since_last_build(alias='') -%}
    {{ alias ~ '.' if alias }}built_at > cast({{ watermark('built_at', '1900-01-01') }} as timestamp)
{%- endmacro %}

{% macro star(relation) -%}
    {#- The relation's columns, listed (for a union with added columns), like dbt_utils.star;
        `*` before the relation exists (when parsing, or linting on an empty warehouse). -#}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- for column in columns -%}
        {{ adapter.quote(column.name) }}{{ ", " if not loop.last }}
    {%- else -%}
        *
    {%- endfor -%}
{%- endmacro %}

{% macro cases_changed_since_last_build(details) -%}
    {#- For a model of a case's details (reasons, actions, payments, profiles) joined to
        fct_cases: the cases whose rows of `details` (its staging model) were delivered, or
        whose latest version or fct_cases row was written, since this model's last build.
        Rebuilding the model's rows of these cases (and only them) gives what a build from
        scratch gives. The model must declare `-- depends_on: ref('int_cases__latest')`. -#}
    select case_ref from {{ details }}
    where delivery_id > {{ watermark('delivery_id', '') }}
    union
    select case_ref from {{ ref('int_cases__latest') }}
    where {{ written_since_last_build() }}
    union
    select case_ref from {{ ref('fct_cases') }}
    where {{ written_since_last_build() }}
{%- endmacro %}
