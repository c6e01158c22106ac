-- One row per payment, waiver or refund (latest version of each payment_id), counted by
-- paid_date, with the directorate of the latest version of its case.
-- Incremental: a build on the last one rebuilds the payments with a version delivered, or
-- a version on a case rewritten, since (macros/incremental.sql).
-- depends_on: {{ ref('int_cases__latest') }}

{{ config(
    materialized='incremental',
    unique_key='payment_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with payments as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by payment_id
                order by delivered_at desc, delivery_id desc, source_file desc, source_row desc
            ) as version_rank
        from {{ ref('stg_cases__case_payments') }}
        {% if is_incremental() %}
            where payment_id in (
                select payment_id from {{ ref('stg_cases__case_payments') }}
                where case_ref in (
                    {{ cases_changed_since_last_build(ref('stg_cases__case_payments')) }}
                )
            )
        {% endif %}
    ) as versions
    where version_rank = 1

),

cases as (

    select * from {{ ref('fct_cases') }}

)

select
    payments.payment_id,
    payments.case_ref,
    payments.amount_gbp,
    payments.payment_reason,
    payments.paid_date,
    {{ financial_year('payments.paid_date') }} as paid_financial_year,
    coalesce(payments.is_following_lgsco, false) as is_following_lgsco,
    cases.case_ref is not null as is_case_found,
    cases.directorate,
    cases.service,
    cases.feedback_type,
    cases.stage,
    payments.delivery_id,
    payments.source_file,
    payments.source_row,
    {{ build_timestamp() }} as built_at
from payments
left join cases on payments.case_ref = cases.case_ref
