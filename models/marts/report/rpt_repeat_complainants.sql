-- New (issue #10): repeat complainants and reopened cases per financial year.
-- New complaints are stage 1 records and stage 2 records that bypassed stage 1 (an
-- escalation is the same complaint, not a repeat). A new complaint is a repeat when the
-- same complainant_key made another new complaint within 365 days before or after it; a
-- repeat complainant of a year made a repeat complaint received in that year. A
-- complainant spans several services when their new complaints received in the year name
-- two or more services (the directorate when no service is recorded). Reopened cases are
-- complaints (any stage) with a reopened_date in the year. Years without complainant keys
-- or reopened cases have no row: a council that delivers neither gets an empty mart.

with new_complaints as (

    select
        case_ref,
        complainant_key,
        received_date,
        received_financial_year as financial_year,
        coalesce(service, directorate) as service_or_directorate
    from {{ ref('fct_cases') }}
    where
        feedback_type = 'complaint'
        and (stage = 1 or (stage = 2 and parent_ref is null))
        and complainant_key is not null

),

neighbours as (

    select
        *,
        lag(received_date) over (
            partition by complainant_key order by received_date, case_ref
        ) as previous_received,
        lead(received_date) over (
            partition by complainant_key order by received_date, case_ref
        ) as next_received
    from new_complaints

),

gaps as (

    select
        *,
        {{ dbt.datediff('previous_received', 'received_date', 'day') }} as days_since_previous,  -- noqa: LT05
        {{ dbt.datediff('received_date', 'next_received', 'day') }} as days_to_next  -- noqa: LT05
    from neighbours

),

flagged as (

    select
        *,
        coalesce(days_since_previous <= 365, false)
        or coalesce(days_to_next <= 365, false) as is_repeat
    from gaps

),

per_complainant as (

    select
        financial_year,
        complainant_key,
        count(*) as complaints,
        max(case when is_repeat then 1 else 0 end) as is_repeat_complainant,
        count(distinct service_or_directorate) as services
    from flagged
    group by financial_year, complainant_key

),

keyed as (

    select
        financial_year,
        count(*) as complainants,
        sum(complaints) as complaints_with_key,
        sum(is_repeat_complainant) as repeat_complainants,
        sum(case when is_repeat_complainant = 1 then complaints else 0 end)
            as complaints_from_repeat_complainants,
        sum(case when services >= 2 then 1 else 0 end) as multi_service_complainants
    from per_complainant
    group by financial_year

),

reopened as (

    select
        {{ financial_year('reopened_date') }} as financial_year,
        count(*) as reopened_cases
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and reopened_date is not null
    group by {{ financial_year('reopened_date') }}

),

years as (

    select financial_year from keyed
    union
    select financial_year from reopened

)

select
    years.financial_year,
    cast(coalesce(keyed.complainants, 0) as integer) as complainants,
    cast(coalesce(keyed.complaints_with_key, 0) as integer) as complaints_with_key,
    cast(coalesce(keyed.repeat_complainants, 0) as integer) as repeat_complainants,
    cast(coalesce(keyed.complaints_from_repeat_complainants, 0) as integer)
        as complaints_from_repeat_complainants,
    cast(
        keyed.repeat_complainants / cast(nullif(keyed.complainants, 0) as double precision)
        as double precision
    ) as share_repeat_complainants,
    cast(coalesce(keyed.multi_service_complainants, 0) as integer)
        as multi_service_complainants,
    cast(coalesce(reopened.reopened_cases, 0) as integer) as reopened_cases
from years
left join keyed on years.financial_year = keyed.financial_year
left join reopened on years.financial_year = reopened.financial_year
