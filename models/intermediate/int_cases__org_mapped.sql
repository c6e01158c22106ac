-- Canonical directorate and service for every case, through the org_units seed (old
-- names are aliases). A name missing from the seed is kept as delivered and flagged.
-- Incremental: a build on the last one maps only the cases int_cases__latest rewrote.

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with cases as (

    select * from {{ ref('int_cases__latest') }}
    {% if is_incremental() %}
        where {{ written_since_last_build() }}
    {% endif %}

)

select
    cases.case_ref,
    coalesce(directorate_match.canonical_name, cases.directorate_recorded) as directorate,
    coalesce(service_match.canonical_name, cases.service_recorded) as service,
    directorate_match.canonical_name is not null as is_directorate_mapped,
    cases.service_recorded is null or service_match.canonical_name is not null as is_service_mapped,
    {{ build_timestamp() }} as built_at
from cases
{{ join_org_unit('directorate_match', 'cases', 'directorate_recorded', 'received_date', 'directorate') }}
{{ join_org_unit('service_match', 'cases', 'service_recorded', 'received_date', 'service') }}
