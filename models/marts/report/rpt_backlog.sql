-- New: the complaints backlog at every month end, by directorate, stage and age band in
-- working days since receipt (0-10, 11-20, 21-40, 41-65, >65): complaints open at the
-- month end (received on or before it, not closed or withdrawn by it) and, of those,
-- past their effective due date.

with month_ends as (

    select month_end from {{ ref('int_months') }}

),

complaints as (

    select
        directorate,
        stage,
        received_date,
        closed_date,
        effective_due_date
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint'

),

open_at_month_end as (

    select
        month_ends.month_end,
        complaints.directorate,
        complaints.stage,
        complaints.effective_due_date < month_ends.month_end as is_past_due,
        {{ working_days_between('complaints.received_date', 'month_ends.month_end') }}
            as age_working_days
    from complaints
    inner join month_ends
        on
            complaints.received_date <= month_ends.month_end
            and (complaints.closed_date is null or complaints.closed_date > month_ends.month_end)

)

select
    month_end,
    directorate,
    stage,
    case
        when age_working_days <= 10 then '0-10'
        when age_working_days <= 20 then '11-20'
        when age_working_days <= 40 then '21-40'
        when age_working_days <= 65 then '41-65'
        else '>65'
    end as age_band,
    cast(count(*) as integer) as open_complaints,
    cast(count(case when is_past_due then 1 end) as integer) as past_due
from open_at_month_end
group by month_end, directorate, stage, age_band
