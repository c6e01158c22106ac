-- New (issue #10): how long complaints take to reach an Ombudsman decision. LGSCO cases with
-- a decision in the year (the published decision's date, else the council's log's; see
-- int_lgsco__case_links), how many are linked to a council complaint, the mean and median
-- calendar days from the complaint's stage 1 received date to the decision, and how many of
-- the year's upheld decisions concern complaints received in an earlier financial year
-- (share of the upheld decisions linked to a complaint: only those have a received date).
-- An LGSCO case linked to several complaints counts once, from the earliest received.

with years as (

    select financial_year
    from {{ ref('int_financial_years') }}

),

decisions as (

    select
        lgsco_ref,
        decision_date,
        decision_financial_year as financial_year,
        coalesce(lgsco_outcome = 'upheld', false) as is_upheld,
        min(stage1_received_date) as stage1_received_date
    from {{ ref('int_lgsco__case_links') }}
    where decision_date is not null
    group by lgsco_ref, decision_date, decision_financial_year, lgsco_outcome

),

measured as (

    select
        financial_year,
        is_upheld,
        stage1_received_date is not null as is_linked,
        {{ dbt.datediff('stage1_received_date', 'decision_date', 'day') }} as days_to_decision,  -- noqa: LT05
        stage1_received_date < {{ financial_year_start('decision_date') }} as is_received_earlier
    from decisions

),

aggregated as (

    select
        financial_year,
        count(*) as decisions,
        count(case when is_linked then 1 end) as linked_decisions,
        avg(cast(days_to_decision as double precision)) as mean_days_to_decision,
        {{ percentile_cont('days_to_decision', 0.5) }} as median_days_to_decision,
        count(case when is_upheld then 1 end) as upheld_decisions,
        count(case when is_upheld and is_linked then 1 end) as upheld_linked_decisions,
        count(case when is_upheld and is_received_earlier then 1 end) as upheld_received_earlier
    from measured
    group by financial_year

)

select
    years.financial_year,
    cast(coalesce(aggregated.decisions, 0) as integer) as decisions,
    cast(coalesce(aggregated.linked_decisions, 0) as integer) as linked_decisions,
    cast(aggregated.mean_days_to_decision as double precision) as mean_days_to_decision,
    cast(aggregated.median_days_to_decision as double precision) as median_days_to_decision,
    cast(coalesce(aggregated.upheld_decisions, 0) as integer) as upheld_decisions,
    cast(coalesce(aggregated.upheld_linked_decisions, 0) as integer) as upheld_linked_decisions,
    cast(coalesce(aggregated.upheld_received_earlier, 0) as integer) as upheld_received_earlier,
    aggregated.upheld_received_earlier
    / nullif(cast(aggregated.upheld_linked_decisions as double precision), 0)
        as share_upheld_received_earlier
from years
left join aggregated on years.financial_year = aggregated.financial_year
