-- Appendix A, complaints by service: stage 1 complaints received in the year by directorate
-- and service, services renamed over time reported under today's name (org_units seed),
-- with a service = 'Total' row per directorate. NULL (the report's "n/a") in years when
-- the service had none and did not exist, by its validity dates in the org_units seed.

with years as (

    select
        financial_year,
        financial_year_start as year_start,
        financial_year_end as year_end
    from {{ ref('int_financial_years') }}

),

complaints as (

    select
        received_financial_year as financial_year,
        directorate,
        coalesce(service, 'Not recorded') as service
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and stage = 1

),

services as (

    select distinct
        directorate,
        service
    from complaints

    union all

    select distinct
        directorate,
        'Total' as service
    from complaints

),

counted as (

    select
        financial_year,
        directorate,
        case when grouping(service) = 1 then 'Total' else service end as service,
        count(*) as complaints_received
    from complaints
    group by financial_year, directorate, rollup(service)

),

service_validity as (

    select
        org_unit_name as service,
        valid_from,
        valid_to
    from {{ ref('dim_org_unit') }}
    where unit_type = 'service'

)

select
    years.financial_year,
    services.directorate,
    services.service,
    case
        when
            counted.complaints_received is null
            and (
                service_validity.valid_from > years.year_end
                or service_validity.valid_to < years.year_start
            )
            then null
        else cast(coalesce(counted.complaints_received, 0) as integer)
    end as complaints_received
from years
cross join services
left join counted
    on
        years.financial_year = counted.financial_year
        and services.directorate = counted.directorate
        and services.service = counted.service
left join service_validity
    on services.service = service_validity.service
