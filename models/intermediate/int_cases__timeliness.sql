-- Due dates, working days and on-time flags for every case.
--   timescale: the procedure's working days for the stage (complaint_procedures seed;
--     adult social care uses the council's standard, var adult_social_care_timescale_working_days)
--   effective_due_date: agreed extension, else the recorded due date, else computed
--   is_on_time (responses only): closed on or before the extended or recorded due date
--     when one exists, else within the timescale in working days
-- Incremental: a build on the last one measures only the cases int_cases__latest rewrote.

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
        timescales.*,
        due_day.date_day as computed_due_date,
        case when timescales.closed_date is not null
                then closed_day.working_day_index - received_day.working_day_index
        end as working_days_to_respond,
        case when timescales.acknowledged_date is not null
                then acknowledged_day.working_day_index - received_day.working_day_index
        end as working_days_to_acknowledge,
        case when timescales.closed_date is not null
                then closed_day.working_day_index
                    - coalesce(acknowledged_day.working_day_index, received_day.working_day_index)
        end as working_days_acknowledged_to_response,
        closed_day.working_day_index as closed_day_index
    from timescales
    {{ join_working_day('received_day', 'timescales.received_date') }}
    {{ join_working_day('closed_day', 'timescales.closed_date') }}
    {{ join_working_day('acknowledged_day', 'timescales.acknowledged_date') }}
    {{ join_nth_working_day(
        'due_day', 'received_day.working_day_index', 'timescales.timescale_working_days'
    ) }}

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
    flagged.case_ref,
    flagged.timescale_working_days,
    flagged.computed_due_date,
    flagged.effective_due_date,
    flagged.working_days_to_respond,
    flagged.working_days_to_acknowledge,
    flagged.working_days_acknowledged_to_response,
    flagged.is_on_time,
    flagged.is_acknowledged_on_time,
    case
        when flagged.is_on_time = false and flagged.closed_date > flagged.effective_due_date
            then flagged.closed_day_index - effective_due_day.working_day_index
        when flagged.is_on_time = false
            then flagged.working_days_to_respond - flagged.timescale_working_days
    end as working_days_late,
    {{ build_timestamp() }} as built_at
from flagged
{{ join_working_day('effective_due_day', 'flagged.effective_due_date') }}
