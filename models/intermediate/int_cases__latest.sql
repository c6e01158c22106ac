-- The latest version of every case record: a later delivery of the same case_ref replaces
-- an earlier one when its last_modified is newer (ties go to the later delivery).
-- All versions stay in the landing zone and in stg_cases__cases.

with versions as (

    select
        *,
        row_number() over (
            partition by case_ref
            order by
                last_modified desc, delivered_at desc, delivery_id desc,
                source_file desc, source_row desc
        ) as version_rank,
        count(*) over (partition by case_ref) as versions_seen
    from {{ ref('stg_cases__cases') }}

)

select * from versions
where version_rank = 1
