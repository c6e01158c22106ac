-- The equalities monitoring of each case's complainant (latest delivery holding the case's
-- profile), with blanks as 'Not recorded', joined to the case's year, stage and outcome.
-- Incremental: a build on the last one rebuilds the rows of the cases whose profile was
-- delivered, or whose case was rewritten, since (macros/latest_delivery.sql).
-- depends_on: {{ ref('int_cases__latest') }}

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with profiles as (

    {{ rows_of_latest_delivery(ref('stg_cases__complainant_profile')) }}

),

cases as (

    select * from {{ ref('fct_cases') }}

)

select
    profiles.case_ref,
    coalesce(nullif(trim(profiles.age_band), ''), 'Not recorded') as age_band,
    coalesce(nullif(trim(profiles.sex), ''), 'Not recorded') as sex,
    coalesce(nullif(trim(profiles.ethnic_group), ''), 'Not recorded') as ethnic_group,
    coalesce(nullif(trim(profiles.disability), ''), 'Not recorded') as disability,
    cases.case_ref is not null as is_case_found,
    cases.complainant_key,
    cases.feedback_type,
    cases.stage,
    cases.directorate,
    cases.received_financial_year,
    cases.closed_financial_year,
    cases.is_response,
    cases.outcome,
    profiles.delivery_id,
    profiles.source_file,
    profiles.source_row,
    {{ build_timestamp() }} as built_at
from profiles
left join cases on profiles.case_ref = cases.case_ref
