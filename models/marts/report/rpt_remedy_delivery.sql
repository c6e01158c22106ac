-- New (issue #10): whether agreed remedies were delivered when promised. Every action on a
-- case (case_actions) with a due_date, by financial year of its due_date, directorate and
-- kind (payment: a financial remedy, payment, refund or reimbursement; else action):
-- delivered on time (completed_date on or before due_date), delivered late, outstanding
-- (no completed_date), and of those past due as at the data date (the latest
-- last_modified of the case export). Actions without a due date cannot be measured and are
-- left out: a council that delivers no due dates gets an empty mart.

with as_of as (

    select max(cast(last_modified as date)) as as_of_date from {{ ref('fct_cases') }}

),

actions as (

    select
        {{ financial_year('actions.due_date') }} as financial_year,
        coalesce(actions.directorate, 'Unknown case') as directorate,
        case
            when
                lower(actions.action) like '%financial%'
                or lower(actions.action) like '%payment%'
                or lower(actions.action) like '%refund%'
                or lower(actions.action) like '%reimburse%'
                then 'payment'
            else 'action'
        end as remedy_kind,
        actions.due_date,
        actions.completed_date,
        cast({{ dbt.datediff('actions.due_date', 'actions.completed_date', 'day') }} as double precision) as days_after_due,  -- noqa: LT05
        as_of.as_of_date
    from {{ ref('fct_case_actions') }} as actions
    cross join as_of
    where actions.due_date is not null

),

aggregated as (

    select
        financial_year,
        directorate,
        remedy_kind,
        max(as_of_date) as as_of_date,
        count(*) as remedies_due,
        count(case when completed_date <= due_date then 1 end) as delivered_on_time,
        count(case when completed_date > due_date then 1 end) as delivered_late,
        count(case when completed_date is null then 1 end) as outstanding,
        count(case when completed_date is null and due_date < as_of_date then 1 end)
            as outstanding_past_due,
        avg(case when completed_date > due_date then days_after_due end) as mean_days_late
    from actions
    group by financial_year, directorate, remedy_kind

)

select
    financial_year,
    directorate,
    remedy_kind,
    as_of_date,
    cast(remedies_due as integer) as remedies_due,
    cast(delivered_on_time as integer) as delivered_on_time,
    cast(delivered_late as integer) as delivered_late,
    cast(outstanding as integer) as outstanding,
    cast(outstanding_past_due as integer) as outstanding_past_due,
    cast(delivered_on_time / cast(remedies_due as double precision) as double precision)
        as share_delivered_on_time,
    cast(mean_days_late as double precision) as mean_days_late
from aggregated
