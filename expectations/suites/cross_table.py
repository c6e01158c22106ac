"""Suite 4, cross-table agreement: the same measure agrees wherever it appears.

Each check compares two per-year (or per-year-and-member) counts from different tables;
a year or member present on one side only counts 0 on the other.

Severity: ERROR when both sides are published tables or the facts behind them (T1-T14,
3.21, 4.1, 6.1, Appendix A); WARN when one side is one of the complaints team's own
tables (rpt_escalation_rates, rpt_monthly_trend, rpt_code_self_assessment).
"""

from __future__ import annotations

from expectations.checks import ERROR, MONEY_TOLERANCE, WARN, Check, fy_of, within


def _agree(label: str, observed: str, expected: str, keys: tuple[str, ...] = ()) -> str:
    """SQL: per financial year (and keys), `observed` vs `expected` (subqueries with n)."""
    keys = ("financial_year", *keys)
    on = " and ".join(f"o.{k} is not distinct from e.{k}" for k in keys)
    key_label = " || ' ' || ".join(
        f"coalesce(cast(coalesce(o.{k}, e.{k}) as varchar), 'NULL')" for k in keys
    )
    return f"""
        with o as ({observed}), e as ({expected})
        select
            {key_label} || ': {label}' as item,
            cast(coalesce(o.n, 0) as double) as observed,
            cast(coalesce(e.n, 0) as double) as expected
        from o
        full outer join e on {on}
    """


T5_CLOSED = """
    select financial_year, sum(complaints_closed) as n
    from report.rpt_stage1_outcomes group by financial_year
"""
T6_CLOSED = T5_CLOSED.replace("stage1", "stage2")

CHECKS = [
    Check(
        name="t1_stage1_complaints_equal_t2_total",
        severity=ERROR,
        description="Table 1 stage 1 complaints = Table 2's Total row, per year.",
        sql=_agree(
            "T1 stage1_complaints vs T2 Total",
            "select financial_year, value as n from report.rpt_feedback_overview"
            " where measure = 'stage1_complaints'",
            "select financial_year, complaints_received as n"
            " from report.rpt_stage1_received_by_directorate where directorate = 'Total'",
        ),
    ),
    Check(
        name="t2_matches_appendix_a_summary",
        severity=ERROR,
        description=(
            "Table 2 stage 1 complaints per directorate (and its Total) = Appendix A's"
            " directorate overview stage1_complaints (and their sum), per year."
        ),
        sql=_agree(
            "T2 vs Appendix A summary stage1_complaints",
            "select financial_year, directorate, complaints_received as n"
            " from report.rpt_stage1_received_by_directorate",
            "select financial_year, coalesce(directorate, 'Total') as directorate,"
            " sum(stage1_complaints) as n from report.rpt_directorate_feedback_summary"
            " group by financial_year, rollup(directorate)",
            ("directorate",),
        ),
    ),
    Check(
        name="t2_matches_appendix_a_by_service",
        severity=ERROR,
        description=(
            "Table 2 stage 1 complaints per directorate = the directorate's service = 'Total'"
            " row of Appendix A by service (report.rpt_complaints_by_service), per year."
        ),
        sql=_agree(
            "T2 vs Appendix A by service Total",
            "select financial_year, directorate, complaints_received as n"
            " from report.rpt_stage1_received_by_directorate where directorate <> 'Total'",
            "select financial_year, directorate, complaints_received as n"
            " from report.rpt_complaints_by_service where service = 'Total'",
            ("directorate",),
        ),
    ),
    Check(
        name="t1_comments_compliments_match_appendix_a",
        severity=ERROR,
        description=(
            "Table 1 comments and compliments = the sums over directorates of Appendix A's"
            " comments and compliments, per year."
        ),
        sql=_agree(
            "T1 vs sum of Appendix A",
            "select financial_year, measure, value as n from report.rpt_feedback_overview"
            " where measure in ('comments', 'compliments')",
            "select financial_year, 'comments' as measure, sum(comments) as n"
            " from report.rpt_directorate_feedback_summary group by financial_year"
            " union all select financial_year, 'compliments', sum(compliments)"
            " from report.rpt_directorate_feedback_summary group by financial_year",
            ("measure",),
        ),
    ),
    Check(
        name="t3_total_equals_stage2_received_in_facts",
        severity=ERROR,
        description=(
            "Table 3's Total = stage 2 complaints received in the year in marts.fct_cases."
        ),
        sql=_agree(
            "T3 Total vs stage 2 complaints received (fct_cases)",
            "select financial_year, complaints_received as n"
            " from report.rpt_stage2_received_by_directorate where directorate = 'Total'",
            "select received_financial_year as financial_year, count(*) as n"
            " from marts.fct_cases where feedback_type = 'complaint' and stage = 2"
            " group by received_financial_year",
        ),
    ),
    Check(
        name="t4_complaints_closed_equal_t5_closed",
        severity=ERROR,
        description=(
            "Table 4's Total complaints closed (stage 1) = Table 5's complaints closed over"
            " all outcomes, withdrawn included, per year."
        ),
        sql=_agree(
            "T4 Total complaint closed vs T5 all outcomes incl. withdrawn",
            "select financial_year, cases_closed as n from report.rpt_closed_by_directorate_type"
            " where directorate = 'Total' and feedback_type = 'complaint'",
            T5_CLOSED,
        ),
    ),
    Check(
        name="t5_t6_responses_match_timeliness",
        severity=ERROR,
        description=(
            "Tables 5 and 6 outcomes other than withdrawn (the responses) = 4.1's responses"
            " closed at that stage (rpt_timeliness directorate Total, procedure all), per year."
        ),
        sql=_agree(
            "T5/T6 responses vs 4.1 closed",
            "select financial_year, '1' as stage, sum(complaints_closed) as n"
            " from report.rpt_stage1_outcomes where outcome <> 'withdrawn'"
            " group by financial_year"
            " union all select financial_year, '2', sum(complaints_closed)"
            " from report.rpt_stage2_outcomes where outcome <> 'withdrawn'"
            " group by financial_year",
            "select financial_year, stage, closed as n from report.rpt_timeliness"
            " where directorate = 'Total' and procedure = 'all' and stage in ('1', '2')",
            ("stage",),
        ),
    ),
    Check(
        name="t6_matches_escalation_analysis",
        severity=ERROR,
        description=(
            "Section 3.21: stage2_closed = Table 6's closed over all outcomes, and"
            " stage2_upheld_or_partly = Table 6 upheld + partly upheld, per year."
        ),
        sql=_agree(
            "3.21 vs T6",
            "select financial_year, 'stage2_closed' as measure, stage2_closed as n"
            " from report.rpt_stage2_escalation_analysis"
            " union all select financial_year, 'stage2_upheld_or_partly',"
            " stage2_upheld_or_partly from report.rpt_stage2_escalation_analysis",
            "select financial_year, 'stage2_closed' as measure, sum(complaints_closed) as n"
            " from report.rpt_stage2_outcomes group by financial_year"
            " union all select financial_year, 'stage2_upheld_or_partly',"
            " sum(complaints_closed) from report.rpt_stage2_outcomes"
            " where outcome in ('upheld', 'partly_upheld') group by financial_year",
            ("measure",),
        ),
    ),
    Check(
        name="compensation_6_1_total_equals_t14_total",
        severity=ERROR,
        description=(
            "Section 6.1's Total amount paid or waived = Table 14's Total amount, per year."
        ),
        sql=_agree(
            "6.1 Total amount_gbp vs T14 Total amount_gbp",
            "select financial_year, amount_gbp as n from report.rpt_compensation_by_directorate"
            " where directorate = 'Total'",
            "select financial_year, amount_gbp as n from report.rpt_compensation_reasons"
            " where payment_reason = 'Total'",
        ),
        compare=within(MONEY_TOLERANCE),
    ),
    Check(
        name="t11_equals_sum_of_t12",
        severity=ERROR,
        description=(
            "Table 11 late responses per delay reason = the sum over directorates of Table 12,"
            " per year."
        ),
        sql=_agree(
            "T11 vs sum of T12 over directorates",
            "select financial_year, delay_reason, late_complaints as n"
            " from report.rpt_delay_reasons",
            "select financial_year, delay_reason, sum(late_complaints) as n"
            " from report.rpt_delay_reasons_by_directorate"
            " group by financial_year, delay_reason",
            ("delay_reason",),
        ),
    ),
    Check(
        name="t13_total_matches_feedback_received",
        severity=ERROR,
        description=(
            "Table 13's Total = Table 1 comments + compliments + Table 7 informal concerns +"
            " complaints received at every stage (marts.fct_cases), per year."
        ),
        sql=_agree(
            "T13 Total vs T1 comments + compliments + T7 informal concerns + complaints",
            "select financial_year, received as n from report.rpt_channels where channel = 'Total'",
            """
            select financial_year, sum(n) as n from (
                select financial_year, value as n from report.rpt_feedback_overview
                where measure in ('comments', 'compliments')
                union all
                select financial_year, received from report.rpt_other_feedback_volumes
                where feedback_type = 'informal_concern'
                union all
                select received_financial_year, count(*) from marts.fct_cases
                where feedback_type = 'complaint' group by received_financial_year
            ) as parts group by financial_year
            """,
        ),
    ),
    Check(
        name="lgsco_cases_agree",
        severity=ERROR,
        description=(
            "Appendix A's LGSCO cases summed over directorates = rpt_escalation_rates' Total"
            " lgsco_cases (both the council's Ombudsman log by decision year), per year."
        ),
        sql=_agree(
            "Appendix A lgsco_cases vs rpt_escalation_rates Total",
            "select financial_year, sum(lgsco_cases) as n"
            " from report.rpt_directorate_feedback_summary group by financial_year",
            "select financial_year, lgsco_cases as n from report.rpt_escalation_rates"
            " where directorate = 'Total'",
        ),
    ),
    Check(
        name="escalation_rates_closed_match_t5_t6",
        severity=WARN,
        description=(
            "rpt_escalation_rates' Total stage1_closed = Table 5's closed (withdrawn included)"
            " and stage2_closed = Table 6's, per year."
        ),
        sql=_agree(
            "rpt_escalation_rates Total vs T5/T6 closed",
            "select financial_year, 'stage1_closed' as measure, stage1_closed as n"
            " from report.rpt_escalation_rates where directorate = 'Total'"
            " union all select financial_year, 'stage2_closed', stage2_closed"
            " from report.rpt_escalation_rates where directorate = 'Total'",
            f"select financial_year, 'stage1_closed' as measure, n from ({T5_CLOSED})"
            f" union all select financial_year, 'stage2_closed', n from ({T6_CLOSED})",
            ("measure",),
        ),
    ),
    Check(
        name="monthly_trend_matches_annual_tables",
        severity=WARN,
        description=(
            "rpt_monthly_trend summed over the months of each financial year: received"
            " comments and compliments = Table 1, other feedback types = Table 7, complaints ="
            " marts.fct_cases; closed comments and compliments = Table 4's Total rows."
        ),
        sql=_agree(
            "rpt_monthly_trend vs annual tables",
            f"""
            select {fy_of("month")} as financial_year, 'received ' || feedback_type as measure,
                sum(received) as n
            from report.rpt_monthly_trend group by all
            union all
            select {fy_of("month")}, 'closed ' || feedback_type, sum(closed)
            from report.rpt_monthly_trend where feedback_type in ('comment', 'compliment')
            group by all
            """,
            """
            select financial_year, 'received comment' as measure, value as n
            from report.rpt_feedback_overview where measure = 'comments'
            union all
            select financial_year, 'received compliment', value
            from report.rpt_feedback_overview where measure = 'compliments'
            union all
            select financial_year, 'received ' || feedback_type, received
            from report.rpt_other_feedback_volumes
            union all
            select received_financial_year, 'received complaint', count(*)
            from marts.fct_cases where feedback_type = 'complaint' group by all
            union all
            select financial_year, 'closed ' || feedback_type, cases_closed
            from report.rpt_closed_by_directorate_type
            where directorate = 'Total' and feedback_type in ('comment', 'compliment')
            """,
            ("measure",),
        ),
    ),
    Check(
        name="code_self_assessment_matches_timeliness",
        severity=WARN,
        description=(
            "rpt_code_self_assessment's responded_within_council_timescale: cases = 4.1's"
            " closed and met = 4.1's on time (directorate Total, procedure all), per stage."
        ),
        sql=_agree(
            "rpt_code_self_assessment vs 4.1",
            "select financial_year, cast(stage as varchar) || ' cases' as measure, cases as n"
            " from report.rpt_code_self_assessment"
            " where measure = 'responded_within_council_timescale'"
            " union all select financial_year, cast(stage as varchar) || ' met', met"
            " from report.rpt_code_self_assessment"
            " where measure = 'responded_within_council_timescale'",
            "select financial_year, stage || ' cases' as measure, closed as n"
            " from report.rpt_timeliness where directorate = 'Total' and procedure = 'all'"
            " and stage in ('1', '2')"
            " union all select financial_year, stage || ' met', on_time"
            " from report.rpt_timeliness where directorate = 'Total' and procedure = 'all'"
            " and stage in ('1', '2')",
            ("measure",),
        ),
    ),
]
