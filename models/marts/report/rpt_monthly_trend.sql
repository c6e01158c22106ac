-- New: the monthly trend by directorate and feedback type: received in the month, closed
-- in the month (closed or withdrawn), responses on time among those closed, and open at
-- the month end.

with months as (

    select
        month_start as month,
        month_end
    from {{ ref('int_months') }}

),

cases as (

    select
        directorate,
        feedback_type,
        received_date,
        closed_date,
        is_closed,
        is_on_time
    from {{ ref('fct_cases') }}

),

groups as (

    select distinct
        directorate,
        feedback_type
    from cases

),

received as (

    select
        cast(date_trunc('month', received_date) as date) as month,
        directorate,
        feedback_type,
        count(*) as received
    from cases
    group by month, directorate, feedback_type

),

closed as (

    select
        cast(date_trunc('month', closed_date) as date) as month,
        directorate,
        feedback_type,
        count(*) as closed,
        count(case when is_on_time then 1 end) as on_time
    from cases
    where is_closed
    group by month, directorate, feedback_type

),

open_at_month_end as (

    select
        months.month,
        cases.directorate,
        cases.feedback_type,
        count(*) as open_at_month_end
    from months
    inner join cases
        on
            months.month_end >= cases.received_date
            and (cases.closed_date is null or months.month_end < cases.closed_date)
    group by months.month, cases.directorate, cases.feedback_type

)

select
    months.month,
    groups.directorate,
    groups.feedback_type,
    cast(coalesce(received.received, 0) as integer) as received,
    cast(coalesce(closed.closed, 0) as integer) as closed,
    cast(coalesce(closed.on_time, 0) as integer) as on_time,
    cast(coalesce(open_at_month_end.open_at_month_end, 0) as integer) as open_at_month_end
from months
cross join groups
left join received
    on
        months.month = received.month
        and groups.directorate = received.directorate
        and groups.feedback_type = received.feedback_type
left join closed
    on
        months.month = closed.month
        and groups.directorate = closed.directorate
        and groups.feedback_type = closed.feedback_type
left join open_at_month_end
    on
        months.month = open_at_month_end.month
        and groups.directorate = open_at_month_end.directorate
        and groups.feedback_type = open_at_month_end.feedback_type
