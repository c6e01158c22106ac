-- New: late complaint responses in the year by directorate (and a directorate = 'Total'
-- row) and how late, in working days after the effective due date: 1-5, 6-10, 11-20, >20
-- (a response sent on a non-working day after its due date counts in 1-5).

with late as (

    select
        financial_year,
        directorate,
        case
            when working_days_late <= 5 then '1-5'
            when working_days_late <= 10 then '6-10'
            when working_days_late <= 20 then '11-20'
            else '>20'
        end as days_late_band
    from {{ ref('int_complaints__closed') }}
    where is_response and not is_on_time

)

select
    financial_year,
    case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
    days_late_band,
    cast(count(*) as integer) as late_complaints
from late
group by financial_year, days_late_band, rollup(directorate)
