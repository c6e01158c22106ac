-- Escalation links between stages: for a stage 2 (or 3) record, its parent (the record it
-- escalated from) and the parent's outcome; for a stage 1 record, whether it escalated.
--   escalation_type: bypassed_stage1 (no parent_ref), parent_not_found (parent_ref given
--   but no such case), escalated (parent found); NULL for stage 1 and non-complaints.
-- Incremental: a build on the last one relinks the cases int_cases__latest rewrote and
-- their relatives: their parents (old and new: is_escalated) and children (parent_outcome).

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with cases as (

    select
        case_ref,
        parent_ref,
        feedback_type,
        stage,
        outcome
    from {{ ref('int_cases__latest') }}

),

{% if is_incremental() %}
    changed as (

        select
            case_ref,
            parent_ref
        from {{ ref('int_cases__latest') }}
        where {{ written_since_last_build() }}

    ),

    relinked as (

        select case_ref from changed
        union
        select parent_ref from changed
        union
        select linked.parent_ref from {{ this }} as linked
        where linked.case_ref in (select case_ref from changed)
        union
        select cases.case_ref from cases
        where cases.parent_ref in (select case_ref from changed)

    ),
{% endif %}

children as (

    select distinct parent_ref
    from cases
    where parent_ref is not null

)

select
    cases.case_ref,
    cases.parent_ref,
    parents.case_ref is not null as is_parent_found,
    parents.stage as parent_stage,
    parents.outcome as parent_outcome,
    case
        when cases.feedback_type <> 'complaint' or coalesce(cases.stage, 1) = 1 then null
        when cases.parent_ref is null then 'bypassed_stage1'
        when parents.case_ref is null then 'parent_not_found'
        else 'escalated'
    end as escalation_type,
    children.parent_ref is not null as is_escalated,
    {{ build_timestamp() }} as built_at
from cases
left join cases as parents on cases.parent_ref = parents.case_ref
left join children on cases.case_ref = children.parent_ref
{% if is_incremental() %}
    where cases.case_ref in (select case_ref from relinked)
{% endif %}
