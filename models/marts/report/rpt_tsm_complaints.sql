-- New (issue #10), for councils that are social landlords: the Regulator of Social
-- Housing's tenant satisfaction measures on complaints, per financial year.
--   CH01: stage 1 and stage 2 complaints received per 1,000 homes owned (var
--     tsm_homes_owned)
--   CH02: the share of stage 1 and stage 2 complaints responded to in the year within
--     the Housing Ombudsman's Complaint Handling Code timescales: tsm_stage1_working_days
--     (10) or tsm_stage2_working_days (20) working days from acknowledgement (receipt
--     when no acknowledgement is recorded), or by an agreed extended_due_date no more than
--     tsm_extension_working_days (10) working days beyond that.
-- Landlord complaints are those of the services in var tsm_services (all complaints when
-- the list is empty). Empty unless tsm_homes_owned is set: a council that is not a
-- landlord gets no rows.
{%- set homes = var('tsm_homes_owned', none) %}
{%- set services = var('tsm_services', []) %}

with complaints as (

    select
        stage,
        received_financial_year,
        closed_financial_year,
        is_response,
        closed_date,
        extended_due_date,
        coalesce(acknowledged_date, received_date) as clock_start
    from {{ ref('fct_cases') }}
    where
        feedback_type = 'complaint'
        and stage in (1, 2)
        {%- if services %}
        and service in (
            {%- for service in services %}'{{ service | replace("'", "''") }}'{{ ',' if not loop.last }}{% endfor -%}
        )
        {%- endif %}
        {%- if homes is none %}
            and 1 = 0
        {%- endif %}

),

timed as (

    select
        *,
        case
            when stage = 1 then {{ var('tsm_stage1_working_days', 10) }}
            else {{ var('tsm_stage2_working_days', 20) }}
        end as code_working_days,
        {{ working_days_between('clock_start', 'closed_date') }} as working_days_taken,
        case
            when extended_due_date is not null
                then {{ working_days_between('clock_start', 'extended_due_date') }}
        end as working_days_to_extension
    from complaints

),

within as (

    select
        *,
        coalesce(
            working_days_taken <= code_working_days
            or (
                working_days_to_extension is not null
                and closed_date <= extended_due_date
                and working_days_to_extension
                <= code_working_days + {{ var('tsm_extension_working_days', 10) }}
            ),
            false
        ) as is_within_code
    from timed

),

received as (

    select
        received_financial_year as financial_year,
        count(case when stage = 1 then 1 end) as stage1_received,
        count(case when stage = 2 then 1 end) as stage2_received
    from within
    group by received_financial_year

),

responded as (

    select
        closed_financial_year as financial_year,
        count(case when stage = 1 then 1 end) as stage1_responses,
        count(case when stage = 1 and is_within_code then 1 end) as stage1_within_code,
        count(case when stage = 2 then 1 end) as stage2_responses,
        count(case when stage = 2 and is_within_code then 1 end) as stage2_within_code
    from within
    where is_response and closed_financial_year is not null
    group by closed_financial_year

),

years as (

    select financial_year from received
    union
    select financial_year from responded

)

select
    years.financial_year,
    cast({{ homes if homes is not none else 'null' }} as integer) as homes_owned,
    cast(coalesce(received.stage1_received, 0) as integer) as stage1_received,
    cast(coalesce(received.stage2_received, 0) as integer) as stage2_received,
    cast(
        1000 * coalesce(received.stage1_received, 0)
        / cast(nullif({{ homes if homes is not none else 'null' }}, 0) as double precision)
        as double precision
    ) as ch01_stage1_per_1000_homes,
    cast(
        1000 * coalesce(received.stage2_received, 0)
        / cast(nullif({{ homes if homes is not none else 'null' }}, 0) as double precision)
        as double precision
    ) as ch01_stage2_per_1000_homes,
    cast(coalesce(responded.stage1_responses, 0) as integer) as stage1_responses,
    cast(coalesce(responded.stage1_within_code, 0) as integer) as stage1_within_code,
    cast(
        responded.stage1_within_code / cast(nullif(responded.stage1_responses, 0) as double precision)
        as double precision
    ) as ch02_stage1_share_within_code,
    cast(coalesce(responded.stage2_responses, 0) as integer) as stage2_responses,
    cast(coalesce(responded.stage2_within_code, 0) as integer) as stage2_within_code,
    cast(
        responded.stage2_within_code / cast(nullif(responded.stage2_responses, 0) as double precision)
        as double precision
    ) as ch02_stage2_share_within_code
from years
left join received on years.financial_year = received.financial_year
left join responded on years.financial_year = responded.financial_year
