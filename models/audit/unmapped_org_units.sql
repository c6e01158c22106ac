-- Directorate and service names in the case data that the org_units seed does not know:
-- kept as delivered in every mart, listed here so the council can add them to the seed.

with cases as (

    select * from {{ ref('fct_cases') }}

),

unmapped as (

    select
        'directorate' as unit_type,
        directorate_recorded as recorded_name,
        received_date
    from cases
    where not is_directorate_mapped

    union all

    select
        'service' as unit_type,
        service_recorded as recorded_name,
        received_date
    from cases
    where not is_service_mapped

)

select
    unit_type,
    recorded_name,
    count(*) as cases,
    min(received_date) as first_received,
    max(received_date) as last_received
from unmapped
group by unit_type, recorded_name
