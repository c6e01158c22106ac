-- Section 4.1: complaint responses closed in the year (status closed; withdrawn excluded)
-- by directorate, stage and procedure, with roll-ups (directorate 'Total', stage and
-- procedure 'all'): on time, acknowledged on time, median and 90th percentile working days.

with responses as (

    select
        closed_financial_year as financial_year,
        directorate,
        cast(stage as {{ dbt.type_string() }}) as stage,
        procedure,
        is_on_time,
        is_acknowledged_on_time,
        working_days_to_respond
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and is_response

),

aggregated as (

    select
        financial_year,
        case when grouping(directorate) = 1 then 'Total' else directorate end as directorate,
        case when grouping(stage) = 1 then 'all' else stage end as stage,
        case when grouping(procedure) = 1 then 'all' else procedure end as procedure,
        count(*) as closed,
        count(case when is_on_time then 1 end) as on_time,
        count(case when is_acknowledged_on_time then 1 end) as acknowledged_on_time,
        {{ percentile_cont('working_days_to_respond', 0.5) }} as median_working_days,
        {{ percentile_cont('working_days_to_respond', 0.9) }} as p90_working_days
    from responses
    group by financial_year, cube(directorate, stage, procedure)

)

select
    financial_year,
    directorate,
    stage,
    procedure,
    cast(closed as integer) as closed,
    cast(on_time as integer) as on_time,
    on_time / cast(closed as double precision) as pct_on_time,
    cast({{ var('kpi_on_time_target') }} as double precision) as kpi_target,
    cast(acknowledged_on_time as integer) as acknowledged_on_time,
    acknowledged_on_time / cast(closed as double precision) as pct_acknowledged_on_time,
    cast(median_working_days as double precision) as median_working_days,
    cast(p90_working_days as double precision) as p90_working_days
from aggregated
