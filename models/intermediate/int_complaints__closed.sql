-- Every complaint closed in a financial year (status closed or withdrawn, with a
-- closed_date), with its outcome or `withdrawn`: the one definition of "closed in the
-- year" behind the outcome, escalation, delay and lateness marts.
-- Responses (is_response) are the closed ones that were answered (not withdrawn).

select
    case_ref,
    parent_ref,
    closed_financial_year as financial_year,
    closed_date,
    directorate,
    service,
    stage,
    procedure,
    case when status = 'withdrawn' then 'withdrawn' else outcome end as outcome,
    is_response,
    is_on_time,
    working_days_late,
    delay_reason,
    coalesce(primary_reason, 'Blank') as primary_reason,
    escalation_type,
    parent_outcome,
    is_escalated
from {{ ref('fct_cases') }}
where feedback_type = 'complaint' and is_closed
