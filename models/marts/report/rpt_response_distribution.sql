-- New (issue #10): the distribution of complaint response times. Responses closed in the
-- year (status closed; withdrawn excluded, as in rpt_timeliness) at stage 1 and 2 by
-- procedure: mean, median and 90th percentile working days from receipt to response, and
-- each response in exactly one band:
--   within_timescale: met the original timescale (the recorded due_date, else the
--     procedure's timescale in working days)
--   within_extension: missed it, but closed on or before the agreed extended_due_date
--   beyond: not on time (fct_cases.is_on_time false or unknown)
-- so within_timescale + within_extension = rpt_timeliness.on_time. extensions_granted
-- counts responses with an extended_due_date (the contract holds no request date or
-- refusal, so an extension is known only when one was agreed and recorded).

with responses as (

    select
        closed_financial_year as financial_year,
        cast(stage as {{ dbt.type_string() }}) as stage,
        procedure,
        working_days_to_respond,
        extended_due_date is not null as has_extension,
        coalesce(is_on_time, false) as is_on_time,
        coalesce(
            case
                when recorded_due_date is not null then closed_date <= recorded_due_date
                when timescale_working_days is not null
                    then working_days_to_respond <= timescale_working_days
            end,
            false
        ) as met_original_timescale
    from {{ ref('fct_cases') }}
    where feedback_type = 'complaint' and is_response and stage in (1, 2)

),

aggregated as (

    select
        financial_year,
        stage,
        procedure,
        count(*) as cases_closed,
        count(case when is_on_time and met_original_timescale then 1 end) as within_timescale,
        count(case when is_on_time and not met_original_timescale then 1 end) as within_extension,
        count(case when not is_on_time then 1 end) as beyond,
        count(case when has_extension then 1 end) as extensions_granted,
        avg(cast(working_days_to_respond as double precision)) as mean_working_days,
        {{ percentile_cont('working_days_to_respond', 0.5) }} as median_working_days,
        {{ percentile_cont('working_days_to_respond', 0.9) }} as p90_working_days
    from responses
    group by financial_year, stage, procedure

)

select
    financial_year,
    stage,
    procedure,
    cast(cases_closed as integer) as cases_closed,
    cast(mean_working_days as double precision) as mean_working_days,
    cast(median_working_days as double precision) as median_working_days,
    cast(p90_working_days as double precision) as p90_working_days,
    cast(within_timescale as integer) as within_timescale,
    cast(within_extension as integer) as within_extension,
    cast(beyond as integer) as beyond,
    within_timescale / cast(cases_closed as double precision) as share_within_timescale,
    within_extension / cast(cases_closed as double precision) as share_within_extension,
    beyond / cast(cases_closed as double precision) as share_beyond,
    cast(extensions_granted as integer) as extensions_granted
from aggregated
