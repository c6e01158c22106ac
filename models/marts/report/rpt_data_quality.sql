-- New (issue #10): how complete and consistent the case records are, by month of
-- received_date and directorate, for every case that passed validation (rows that broke a
-- rule, e.g. closed before received or a closed complaint without an outcome, are in
-- audit.rejected_rows instead, so those checks find none here unless the rules change):
--   missing_reason: complaints (every stage and status) with no primary_reason
--   missing_outcome: complaints closed (status closed) with no outcome
--   missing_channel: cases of every type with no channel
--   missing_delay_reason: complaint responses not on time with no delay_reason
--   inconsistent_dates: closed before received; acknowledged before received or after
--     closed; a recorded due date or agreed extension before received; an extension before
--     the recorded due date; a closed_date on an open case

with cases as (

    select
        cast(date_trunc('month', received_date) as date) as month,
        directorate,
        feedback_type = 'complaint' as is_complaint,
        feedback_type = 'complaint' and is_response as is_closed_complaint,
        feedback_type = 'complaint' and is_response and is_on_time = false as is_late,
        primary_reason is null as is_missing_reason,
        outcome is null as is_missing_outcome,
        channel is null as is_missing_channel,
        delay_reason is null as is_missing_delay_reason,
        coalesce(
            closed_date < received_date
            or acknowledged_date < received_date
            or acknowledged_date > closed_date
            or recorded_due_date < received_date
            or extended_due_date < received_date
            or extended_due_date < recorded_due_date
            or (status = 'open' and closed_date is not null),
            false
        ) as has_inconsistent_dates
    from {{ ref('fct_cases') }}

),

aggregated as (

    select
        month,
        directorate,
        count(*) as cases,
        count(case when is_complaint then 1 end) as complaints,
        count(case when is_complaint and is_missing_reason then 1 end) as missing_reason,
        count(case when is_closed_complaint then 1 end) as complaints_closed,
        count(case when is_closed_complaint and is_missing_outcome then 1 end) as missing_outcome,
        count(case when is_missing_channel then 1 end) as missing_channel,
        count(case when is_late then 1 end) as late_responses,
        count(case when is_late and is_missing_delay_reason then 1 end) as missing_delay_reason,
        count(case when has_inconsistent_dates then 1 end) as inconsistent_dates
    from cases
    group by month, directorate

)

select
    month,
    directorate,
    cast(cases as integer) as cases,
    cast(complaints as integer) as complaints,
    cast(missing_reason as integer) as missing_reason,
    missing_reason / nullif(cast(complaints as double precision), 0) as share_missing_reason,
    cast(complaints_closed as integer) as complaints_closed,
    cast(missing_outcome as integer) as missing_outcome,
    missing_outcome / nullif(cast(complaints_closed as double precision), 0)
        as share_missing_outcome,
    cast(missing_channel as integer) as missing_channel,
    missing_channel / cast(cases as double precision) as share_missing_channel,
    cast(late_responses as integer) as late_responses,
    cast(missing_delay_reason as integer) as missing_delay_reason,
    missing_delay_reason / nullif(cast(late_responses as double precision), 0)
        as share_missing_delay_reason,
    cast(inconsistent_dates as integer) as inconsistent_dates,
    inconsistent_dates / cast(cases as double precision) as share_inconsistent_dates
from aggregated
