-- Canonical directorate and service for every case, through the org_units seed (old
-- names are aliases). A name missing from the seed is kept as delivered and flagged.

with cases as (

    select * from {{ ref('int_cases__latest') }}

),

org_units as (

    select
        unit_type,
        lower(trim(recorded_name)) as recorded_key,
        canonical_name,
        directorate,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to
    from {{ ref('org_units') }}

),

directorate_match as (

    select
        cases.case_ref,
        org_units.canonical_name,
        row_number() over (
            partition by cases.case_ref
            order by case
                when cases.received_date between coalesce(org_units.valid_from, cases.received_date)
                    and coalesce(org_units.valid_to, cases.received_date) then 0
                else 1
            end
        ) as preference
    from cases
    inner join org_units
        on org_units.unit_type = 'directorate'
            and org_units.recorded_key = lower(trim(cases.directorate_recorded))

),

service_match as (

    select
        cases.case_ref,
        org_units.canonical_name,
        org_units.directorate,
        row_number() over (
            partition by cases.case_ref
            order by case
                when cases.received_date between coalesce(org_units.valid_from, cases.received_date)
                    and coalesce(org_units.valid_to, cases.received_date) then 0
                else 1
            end
        ) as preference
    from cases
    inner join org_units
        on org_units.unit_type = 'service'
            and org_units.recorded_key = lower(trim(cases.service_recorded))

)

select
    cases.case_ref,
    coalesce(directorate_match.canonical_name, cases.directorate_recorded) as directorate,
    coalesce(service_match.canonical_name, cases.service_recorded) as service,
    directorate_match.canonical_name is not null as is_directorate_mapped,
    cases.service_recorded is null or service_match.canonical_name is not null as is_service_mapped
from cases
left join directorate_match
    on cases.case_ref = directorate_match.case_ref and directorate_match.preference = 1
left join service_match
    on cases.case_ref = service_match.case_ref and service_match.preference = 1
