-- One row per case record (latest version) taken into the procedure, with canonical
-- directorate and service, financial years, working days, due dates, on-time flags and
-- escalation links. Contacts the council did not accept (status not_accepted) are in
-- fct_not_accepted_contacts instead, so no report table counts them as complaints.
-- Incremental: a build on the last one rewrites the cases any of its four inputs rewrote,
-- and drops a case that has since become not_accepted.

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="delete from {{ this }} where case_ref in (select case_ref from"
        ~ " {{ ref('int_cases__latest') }} where status = 'not_accepted')",
) }}

{% if is_incremental() %}
    {% set rewritten_since_last_build = written_since_last_build() %}
    {% set only_rewritten = "where case_ref in (select case_ref from rewritten)" %}
{% endif %}

with
{% if is_incremental() %}
    rewritten as (

        select case_ref from {{ ref('int_cases__latest') }}
        where {{ rewritten_since_last_build }}
        union
        select case_ref from {{ ref('int_cases__org_mapped') }}
        where {{ rewritten_since_last_build }}
        union
        select case_ref from {{ ref('int_cases__timeliness') }}
        where {{ rewritten_since_last_build }}
        union
        select case_ref from {{ ref('int_cases__escalations') }}
        where {{ rewritten_since_last_build }}

    ),
{% endif %}

cases as (

    select * from {{ ref('int_cases__latest') }}
    {{ only_rewritten }}

),

org as (

    select * from {{ ref('int_cases__org_mapped') }}
    {{ only_rewritten }}

),

timeliness as (

    select * from {{ ref('int_cases__timeliness') }}
    {{ only_rewritten }}

),

escalations as (

    select * from {{ ref('int_cases__escalations') }}
    {{ only_rewritten }}

)

select
    cases.case_ref,
    cases.parent_ref,
    cases.feedback_type,
    cases.stage,
    cases.procedure,
    org.directorate,
    org.service,
    cases.directorate_recorded,
    cases.service_recorded,
    org.is_directorate_mapped,
    org.is_service_mapped,
    cases.channel,
    cases.received_date,
    cases.acknowledged_date,
    cases.recorded_due_date,
    cases.extended_due_date,
    timeliness.computed_due_date,
    timeliness.effective_due_date,
    cases.closed_date,
    cases.status,
    cases.outcome,
    cases.primary_reason,
    cases.delay_reason,
    cases.lgsco_ref,
    cases.complainant_key,
    cases.area_code,
    cases.reopened_date,
    cases.last_modified,
    {{ financial_year('cases.received_date') }} as received_financial_year,
    case when cases.closed_date is not null
            then {{ financial_year('cases.closed_date') }}
    end as closed_financial_year,
    cases.status in ('closed', 'withdrawn') and cases.closed_date is not null as is_closed,
    cases.status = 'closed' and cases.closed_date is not null as is_response,
    timeliness.timescale_working_days,
    timeliness.working_days_to_respond,
    timeliness.working_days_to_acknowledge,
    timeliness.working_days_acknowledged_to_response,
    timeliness.working_days_late,
    timeliness.is_on_time,
    timeliness.is_acknowledged_on_time,
    escalations.escalation_type,
    escalations.is_parent_found,
    escalations.parent_outcome,
    escalations.is_escalated,
    cases.versions_seen,
    cases.delivery_id,
    cases.source_file,
    cases.source_row,
    cases.last_delivery_id,
    {{ build_timestamp() }} as built_at
from cases
inner join org on cases.case_ref = org.case_ref
inner join timeliness on cases.case_ref = timeliness.case_ref
inner join escalations on cases.case_ref = escalations.case_ref
where cases.status <> 'not_accepted'
