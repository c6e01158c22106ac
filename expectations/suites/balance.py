"""Suite 3, received vs closed balance: complaints flow in and out, and the tables that
count the flows agree with the facts they come from (marts.fct_cases).

    open at the start of the year + received - closed = open at the end of the year

"Open at a date" is what report.rpt_backlog counts (received on or before it, no
closed_date on or before it); "closed in the year" is what Tables 5 and 6 count (status
closed or withdrawn, closed_date in the year). A case with a closed_date but status open
is open for neither and breaks the balance: that is the point.

Severity: ERROR for the balance and for Tables 5, 6, 9 and 11 (published); WARN for the
backlog mart (the complaints team's table, not in the annual report).
"""

from __future__ import annotations

from expectations.checks import AT_MOST, ERROR, WARN, Check

CHECKS = [
    Check(
        name="open_plus_received_minus_closed_is_open_at_year_end",
        severity=ERROR,
        description=(
            "Per financial year, directorate and stage, from marts.fct_cases complaints:"
            " open at the start of the year + received in the year - closed in the year"
            " (closed or withdrawn) = open at the end of the year (observed = open at the end)."
        ),
        sql="""
            with years as (
                select
                    financial_year,
                    financial_year_start as year_start,
                    financial_year_end as year_end
                from intermediate.int_financial_years
            ),
            complaints as (
                select
                    directorate, stage, received_date, closed_date, is_closed,
                    received_financial_year, closed_financial_year
                from marts.fct_cases
                where feedback_type = 'complaint'
            ),
            groups as (select distinct directorate, stage from complaints),
            flows as (
                select
                    years.financial_year,
                    groups.directorate,
                    groups.stage,
                    count(case
                        when c.received_date < years.year_start
                            and (c.closed_date is null or c.closed_date >= years.year_start)
                            then 1 end) as open_start,
                    count(case
                        when c.received_financial_year = years.financial_year then 1 end)
                        as received,
                    count(case
                        when c.is_closed and c.closed_financial_year = years.financial_year
                            then 1 end) as closed,
                    count(case
                        when c.received_date <= years.year_end
                            and (c.closed_date is null or c.closed_date > years.year_end)
                            then 1 end) as open_end
                from years
                cross join groups
                left join complaints as c
                    on c.directorate is not distinct from groups.directorate
                    and c.stage is not distinct from groups.stage
                group by years.financial_year, groups.directorate, groups.stage
            )
            select
                'marts.fct_cases complaints ' || financial_year || ' '
                || coalesce(directorate, 'NULL')
                || ' stage ' || coalesce(cast(stage as varchar), '?')
                || ': open at start ' || open_start || ' + received ' || received
                || ' - closed ' || closed || ' vs open at end' as item,
                open_end as observed,
                open_start + received - closed as expected
            from flows
        """,
    ),
    Check(
        name="backlog_month_ends_match_facts",
        severity=WARN,
        description=(
            "report.rpt_backlog summed over age bands, per month end, directorate and stage,"
            " equals the complaints open at that month end in marts.fct_cases (open_complaints"
            " and past_due)."
        ),
        sql="""
            with facts as (
                select
                    months.month_end,
                    c.directorate,
                    c.stage,
                    count(*) as open_complaints,
                    count(case when c.effective_due_date < months.month_end then 1 end)
                        as past_due
                from marts.fct_cases as c
                inner join intermediate.int_months as months
                    on c.received_date <= months.month_end
                    and (c.closed_date is null or c.closed_date > months.month_end)
                where c.feedback_type = 'complaint'
                group by months.month_end, c.directorate, c.stage
            ),
            mart as (
                select
                    month_end, directorate, stage,
                    sum(open_complaints) as open_complaints, sum(past_due) as past_due
                from report.rpt_backlog
                group by month_end, directorate, stage
            ),
            joined as (
                select
                    strftime(coalesce(mart.month_end, facts.month_end), '%Y-%m-%d') || ' '
                    || coalesce(mart.directorate, facts.directorate, 'NULL') || ' stage '
                    || coalesce(cast(coalesce(mart.stage, facts.stage) as varchar), '?')
                        as label,
                    coalesce(mart.open_complaints, 0) as mart_open,
                    coalesce(facts.open_complaints, 0) as facts_open,
                    coalesce(mart.past_due, 0) as mart_past_due,
                    coalesce(facts.past_due, 0) as facts_past_due
                from mart
                full outer join facts
                    on mart.month_end = facts.month_end
                    and mart.directorate is not distinct from facts.directorate
                    and mart.stage is not distinct from facts.stage
            )
            select 'report.rpt_backlog ' || label || ': open_complaints' as item,
                mart_open as observed, facts_open as expected
            from joined
            union all
            select 'report.rpt_backlog ' || label || ': past_due', mart_past_due, facts_past_due
            from joined
        """,
    ),
    Check(
        name="closed_complaints_are_outcomes_plus_withdrawn",
        severity=ERROR,
        description=(
            "Tables 5 and 6 (report.rpt_stage1_outcomes, rpt_stage2_outcomes): per year, each"
            " outcome's count and the sum of outcomes + withdrawn equal the complaints closed"
            " at that stage in marts.fct_cases (closed or withdrawn, by closed_date)."
        ),
        sql="""
            with facts as (
                select
                    stage,
                    closed_financial_year as financial_year,
                    case when status = 'withdrawn' then 'withdrawn' else outcome end as outcome,
                    count(*) as n
                from marts.fct_cases
                where feedback_type = 'complaint' and is_closed and stage in (1, 2)
                group by all
            ),
            mart as (
                select 1 as stage, financial_year, outcome, complaints_closed as n
                from report.rpt_stage1_outcomes
                union all
                select 2, financial_year, outcome, complaints_closed
                from report.rpt_stage2_outcomes
            ),
            joined as (
                select
                    coalesce(mart.stage, facts.stage) as stage,
                    coalesce(mart.financial_year, facts.financial_year) as financial_year,
                    coalesce(mart.outcome, facts.outcome, 'NULL') as outcome,
                    coalesce(mart.n, 0) as mart_n,
                    coalesce(facts.n, 0) as facts_n
                from mart
                full outer join facts
                    on mart.stage = facts.stage
                    and mart.financial_year = facts.financial_year
                    and mart.outcome is not distinct from facts.outcome
            )
            select
                'report.rpt_stage' || stage || '_outcomes ' || financial_year || ' '
                || outcome as item,
                mart_n as observed,
                facts_n as expected
            from joined
            union all
            select
                'report.rpt_stage' || stage || '_outcomes ' || financial_year
                || ': outcomes + withdrawn vs complaints closed',
                sum(mart_n),
                sum(facts_n)
            from joined
            group by stage, financial_year
        """,
    ),
    Check(
        name="t11_late_with_a_reason_at_most_late_responses",
        severity=ERROR,
        description=(
            "Table 11 (report.rpt_delay_reasons): per year, late responses with a recorded"
            " delay reason <= late responses at stages 1 and 2 in rpt_timeliness (closed -"
            " on time, directorate Total, procedure all)."
        ),
        sql="""
            with t11 as (
                select financial_year, sum(late_complaints) as n
                from report.rpt_delay_reasons
                where delay_reason <> 'Not recorded'
                group by financial_year
            ),
            timeliness as (
                select financial_year, sum(closed - on_time) as n
                from report.rpt_timeliness
                where directorate = 'Total' and procedure = 'all' and stage in ('1', '2')
                group by financial_year
            )
            select
                'report.rpt_delay_reasons ' || coalesce(t11.financial_year,
                    timeliness.financial_year)
                || ': late with a delay reason vs late responses (rpt_timeliness)' as item,
                coalesce(t11.n, 0) as observed,
                coalesce(timeliness.n, 0) as expected
            from t11
            full outer join timeliness on t11.financial_year = timeliness.financial_year
        """,
        compare=AT_MOST,
    ),
    Check(
        name="t11_late_responses_match_facts",
        severity=ERROR,
        description=(
            "Table 11: per year, late responses over all delay reasons ('Not recorded'"
            " included) = complaint responses at stages 1 and 2 not on time in marts.fct_cases."
        ),
        sql="""
            with t11 as (
                select financial_year, sum(late_complaints) as n
                from report.rpt_delay_reasons group by financial_year
            ),
            facts as (
                select closed_financial_year as financial_year, count(*) as n
                from marts.fct_cases
                where feedback_type = 'complaint' and is_response and stage in (1, 2)
                    and is_on_time = false
                group by closed_financial_year
            )
            select
                'report.rpt_delay_reasons ' || coalesce(t11.financial_year, facts.financial_year)
                || ': late responses' as item,
                coalesce(t11.n, 0) as observed,
                coalesce(facts.n, 0) as expected
            from t11
            full outer join facts on t11.financial_year = facts.financial_year
        """,
    ),
    Check(
        name="t9_upheld_equals_t5_t6_upheld",
        severity=ERROR,
        description=(
            "Table 9's grand total (complaints upheld at stages 1 and 2 answered in the year)"
            " = Table 5 upheld + Table 6 upheld, per year."
        ),
        sql="""
            with t9 as (
                select financial_year, upheld_complaints as n
                from report.rpt_upheld_reasons_by_directorate
                where reason = 'Total' and directorate = 'Total'
            ),
            t5_t6 as (
                select financial_year, sum(complaints_closed) as n
                from (
                    select financial_year, complaints_closed from report.rpt_stage1_outcomes
                    where outcome = 'upheld'
                    union all
                    select financial_year, complaints_closed from report.rpt_stage2_outcomes
                    where outcome = 'upheld'
                ) as upheld
                group by financial_year
            )
            select
                'report.rpt_upheld_reasons_by_directorate '
                || coalesce(t9.financial_year, t5_t6.financial_year)
                || ' Total / Total vs T5 + T6 upheld' as item,
                coalesce(t9.n, 0) as observed,
                coalesce(t5_t6.n, 0) as expected
            from t9
            full outer join t5_t6 on t9.financial_year = t5_t6.financial_year
        """,
    ),
]
