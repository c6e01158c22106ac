-- Table 22: remedy and learning actions recorded on complaints answered in the year
-- (status closed, by closed_date), by stage and action: the number of complaints with
-- that action.

select
    closed_financial_year as financial_year,
    stage,
    action,
    cast(count(distinct case_ref) as integer) as complaints
from {{ ref('fct_case_actions') }}
where feedback_type = 'complaint' and status = 'closed' and closed_financial_year is not null
group by closed_financial_year, stage, action
