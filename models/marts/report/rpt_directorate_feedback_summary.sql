-- Appendix A, directorate overview: stage 1 complaints, comments and compliments received
-- in the year by directorate, and LGSCO cases from the council's own Ombudsman log
-- (counted by decision_date), for every year in the data.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

received as (

    select
        received_financial_year as financial_year,
        directorate,
        count(case when feedback_type = 'complaint' and stage = 1 then 1 end)
            as stage1_complaints,
        count(case when feedback_type = 'comment' then 1 end) as comments,
        count(case when feedback_type = 'compliment' then 1 end) as compliments
    from {{ ref('fct_cases') }}
    group by received_financial_year, directorate

),

ombudsman as (

    select
        decision_financial_year as financial_year,
        directorate,
        count(*) as lgsco_cases
    from {{ ref('int_ombudsman_cases__latest') }}
    where decision_financial_year is not null
    group by decision_financial_year, directorate

),

directorates as (

    select directorate from received
    where stage1_complaints + comments + compliments > 0
    union
    select directorate from ombudsman

)

select
    years.financial_year,
    directorates.directorate,
    cast(coalesce(received.stage1_complaints, 0) as integer) as stage1_complaints,
    cast(coalesce(received.comments, 0) as integer) as comments,
    cast(coalesce(received.compliments, 0) as integer) as compliments,
    cast(coalesce(ombudsman.lgsco_cases, 0) as integer) as lgsco_cases
from years
cross join directorates
left join received
    on
        years.financial_year = received.financial_year
        and directorates.directorate = received.directorate
left join ombudsman
    on
        years.financial_year = ombudsman.financial_year
        and directorates.directorate = ombudsman.directorate
