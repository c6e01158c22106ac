-- One row per remedy or learning action recorded on a case (latest delivery of the case's
-- actions), with the directorate and dates of the latest version of the case.
-- Incremental: a build on the last one rebuilds the rows of the cases whose actions were
-- delivered, or whose case was rewritten, since (macros/latest_delivery.sql).
-- depends_on: {{ ref('int_cases__latest') }}

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with actions as (

    {{ rows_of_latest_delivery(ref('stg_cases__case_actions')) }}

),

cases as (

    select * from {{ ref('fct_cases') }}

)

select
    {{ source_row_key('actions') }} as case_action_id,
    actions.case_ref,
    actions.action,
    actions.action_date,
    actions.due_date,
    actions.completed_date,
    cases.case_ref is not null as is_case_found,
    cases.feedback_type,
    cases.stage,
    cases.directorate,
    cases.service,
    cases.received_date,
    cases.closed_date,
    cases.received_financial_year,
    cases.closed_financial_year,
    cases.status,
    cases.outcome,
    actions.delivery_id,
    actions.source_file,
    actions.source_row,
    {{ build_timestamp() }} as built_at
from actions
left join cases on actions.case_ref = cases.case_ref
