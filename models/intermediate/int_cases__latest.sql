-- The latest version of every case record: a later delivery of the same case_ref replaces
-- an earlier one when its last_modified is newer (ties go to the later delivery).
-- All versions stay in the landing zone and in stg_cases__cases.
-- Incremental: a build on the last one ranks only the versions delivered since it against
-- the latest row it holds for the same cases (macros/incremental.sql).

{{ config(
    materialized='incremental',
    unique_key='case_ref',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with delivered as (

    -- Every version (incremental: those delivered since this model's last build), counting
    -- for one version each.
    select
        *,
        1 as version_weight,
        delivery_id as seen_through
    from {{ ref('stg_cases__cases') }}
    {% if is_incremental() %}
        where delivery_id > {{ watermark('last_delivery_id', '') }}
    {% endif %}

),

versions as (

    select * from delivered
    {% if is_incremental() %}
        -- The latest row held for each case they touch, standing for the versions it
        -- already counts.
        union all
        select
            {{ star(ref('stg_cases__cases')) }},
            versions_seen as version_weight,
            last_delivery_id as seen_through
        from {{ this }}
        where case_ref in (select case_ref from delivered)
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by case_ref
            order by
                last_modified desc, delivered_at desc, delivery_id desc,
                source_file desc, source_row desc
        ) as version_rank,
        cast(sum(version_weight) over (partition by case_ref) as bigint) as versions_seen,
        max(seen_through) over (partition by case_ref) as last_delivery_id
    from versions

)

select
    {{ star(ref('stg_cases__cases')) }},
    version_rank,
    versions_seen,
    last_delivery_id,
    {{ build_timestamp() }} as built_at
from ranked
where version_rank = 1
