-- One row per reason recorded on a case (latest delivery of the case's reasons), with the
-- directorate and dates of the latest version of the case.
-- Incremental: a build on the last one rebuilds the rows of the cases whose reasons were
-- delivered, or whose case was rewritten, since (macros/latest_delivery.sql).
-- depends_on: {{ ref('int_cases__latest') }}

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with reasons as (

    {{ rows_of_latest_delivery(ref('stg_cases__case_reasons')) }}

),

cases as (

    select * from {{ ref('fct_cases') }}

)

select
    {{ source_row_key('reasons') }} as case_reason_id,
    reasons.case_ref,
    reasons.reason,
    coalesce(reasons.is_primary, false) as is_primary,
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
    reasons.delivery_id,
    reasons.source_file,
    reasons.source_row,
    {{ build_timestamp() }} as built_at
from reasons
left join cases on reasons.case_ref = cases.case_ref
