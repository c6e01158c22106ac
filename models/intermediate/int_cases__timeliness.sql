-- Due dates, working days and on-time flags for every case.
--   timescale: the procedure's working days for the stage (complaint_procedures seed;
--     adult social care uses the council's standard, var adult_social_care_timescale_working_days)
--   effective_due_date: agreed extension, else the recorded due date, else computed
--   is_on_time (responses only): closed on or before the extended or recorded due date
--     when one exists, else within the timescale in working days

with cases as (

    select * from {{ ref('int_cases__latest') }}

),

procedures as (

    select
        procedure,
        stage,
        response_working_days
    from {{ ref('complaint_procedures') }}
    where framework = 'council'

),

timescales as (

    select
        cases.case_ref,
        cases.received_date,
        cases.acknowledged_date,
        cases.recorded_due_date,
        cases.extended_due_date,
        cases.closed_date,
        cases.status,
        case
            when cases.procedure = 'adult_social_care'
                then coalesce(
                        procedures.response_working_days,
                        {{ var('adult_social_care_timescale_working_days') }}
                    )
            else procedures.response_working_days
        end as timescale_working_days
    from cases
    left join procedures
        on cases.procedure = procedures.procedure
            and cases.stage = procedures.stage

),

measured as (

    select
        *,
        {{ add_working_days('received_date', 'timescale_working_days') }} as computed_due_date,
        case when closed_date is not null
                then {{ working_days_between('received_date', 'closed_date') }}
        end as working_days_to_respond,
        case when acknowledged_date is not null
                then {{ working_days_between('received_date', 'acknowledged_date') }}
        end as working_days_to_acknowledge,
        case when closed_date is not null
                then {{ working_days_between('coalesce(acknowledged_date, received_date)', 'closed_date') }}
        end as working_days_acknowledged_to_response
    from timescales

),

flagged as (

    select
        *,
        coalesce(extended_due_date, recorded_due_date, computed_due_date) as effective_due_date,
        case
            when status <> 'closed' or closed_date is null then null
            when extended_due_date is not null then closed_date <= extended_due_date
            when recorded_due_date is not null then closed_date <= recorded_due_date
            when timescale_working_days is not null
                then working_days_to_respond <= timescale_working_days
        end as is_on_time,
        coalesce(
            working_days_to_acknowledge <= {{ var('acknowledge_target_working_days') }}, false
        ) as is_acknowledged_on_time
    from measured

)

select
    case_ref,
    timescale_working_days,
    computed_due_date,
    effective_due_date,
    working_days_to_respond,
    working_days_to_acknowledge,
    working_days_acknowledged_to_response,
    is_on_time,
    is_acknowledged_on_time,
    case
        when is_on_time = false and closed_date > effective_due_date
            then {{ working_days_between('effective_due_date', 'closed_date') }}
        when is_on_time = false then working_days_to_respond - timescale_working_days
    end as working_days_late
from flagged
