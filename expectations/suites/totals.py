"""Suite 2, totals: inside every report mart, totals are the sums of their parts, shares of
a whole add up to 1, and year-on-year columns are what they say.

Which rows are totals (models/marts/report/*.sql and _report__models.yml):
  T2, T3, 6.1, rpt_escalation_rates    directorate = 'Total'
  T4                                   directorate = 'Total' and/or feedback_type = 'Total'
  T8                                   reason = 'Total'
  T9                                   reason = 'Total' and/or directorate = 'Total'
  4.1 rpt_timeliness                   directorate 'Total', stage 'all', procedure 'all'
  T13                                  channel = 'Total'
  T14                                  payment_reason = 'Total'
  Appendix A by service                service = 'Total' within each directorate
  rpt_lateness                         directorate = 'Total' within each lateness band
  3.21                                 already upheld + overturned + bypassed = upheld or partly

Severity: ERROR where the mart reproduces a published table (T2-T14, 3.21, 4.1, 6.1,
Appendix A); WARN for the complaints team's own tables (rpt_escalation_rates, rpt_lateness).
"""

from __future__ import annotations

from expectations.checks import (
    EQUAL,
    ERROR,
    MONEY_TOLERANCE,
    SHARE_TOLERANCE,
    WARN,
    Check,
    Severity,
    previous_fy,
    rollup_sql,
    within,
)


def _total_check(
    name: str,
    table: str,
    mart: str,
    rolled: dict[str, str],
    measures: list[str],
    keys: tuple[str, ...] = ("financial_year",),
    severity: Severity = ERROR,
    money: bool = False,
) -> Check:
    members = " or ".join(f"{d} = '{t}'" for d, t in rolled.items())
    levels = ", at every level of the cube" if len(rolled) > 1 else ""
    return Check(
        name=name,
        severity=severity,
        description=(
            f"{table} ({mart}): every roll-up row ({members}{levels}) equals the sum of its"
            f" leaf rows, for {', '.join(measures)}."
        ),
        sql=rollup_sql(mart, rolled, measures, keys),
        compare=within(MONEY_TOLERANCE) if money else EQUAL,
    )


def _shares_sum_to_one(
    name: str, table: str, mart: str, share: str, count: str, leaf_filter: str
) -> Check:
    return Check(
        name=name,
        severity=ERROR,
        description=(
            f"{table} ({mart}): {share} of the parts"
            f"{'' if leaf_filter == 'true' else f' ({leaf_filter})'} sums to 1 in every year"
            f" with any {count} (and is NULL when there are none)."
        ),
        sql=f"""
            select
                '{mart} ' || financial_year || ': sum of {share}' as item,
                sum({share}) as observed,
                case when sum({count}) > 0 then 1.0 end as expected
            from {mart}
            where {leaf_filter}
            group by financial_year
        """,
        compare=within(SHARE_TOLERANCE),
    )


def _share_rows(mart: str, share: str, count: str, total: str, label: str) -> str:
    return f"""
            select
                '{mart} ' || {label} || ': {share}' as item,
                {share} as observed,
                {count} / nullif(cast({total} as double), 0) as expected
            from {mart}"""


def _yoy(mart: str, keys: list[str], value: str, previous: str, diff: str, pct: str | None):
    return {"mart": mart, "keys": keys, "value": value, "previous": previous, "diff": diff,
            "pct": pct}  # fmt: skip


YOY_MARTS = [
    _yoy("report.rpt_feedback_overview", ["measure"], "value", "previous_year_value",
         "difference", "pct_difference"),
    _yoy("report.rpt_stage1_received_by_directorate", ["directorate"], "complaints_received",
         "previous_year_received", "difference", "pct_difference"),
    _yoy("report.rpt_stage2_received_by_directorate", ["directorate"], "complaints_received",
         "previous_year_received", "difference", "pct_difference"),
    _yoy("report.rpt_closed_by_directorate_type", ["directorate", "feedback_type"],
         "cases_closed", "previous_year_cases_closed", "difference", "pct_difference"),
    _yoy("report.rpt_other_feedback_volumes", ["feedback_type"], "received",
         "previous_year_received", "difference", "pct_difference"),
    _yoy("report.rpt_compensation_by_directorate", ["directorate"], "amount_gbp",
         "previous_year_amount_gbp", "difference_gbp", None),
]  # fmt: skip


def _yoy_sql(observed: str, expected: str, column: str) -> str:
    """SQL comparing a year-on-year column of every YoY mart with what it should be.

    observed / expected are templates over {cur_value}, {cur_previous}, {cur_diff},
    {cur_pct} (this year's row) and {prev_value} (the previous year's row, NULL if none).
    """
    parts = []
    for m in YOY_MARTS:
        if m[column] is None:
            continue
        on = " and ".join(f"prev.{k} is not distinct from cur.{k}" for k in m["keys"])
        label = " || ' ' || ".join(f"coalesce(cast(cur.{k} as varchar), 'NULL')" for k in m["keys"])
        fields = {f"cur_{name}": f"cur.{m[name]}" for name in ("value", "previous", "diff")}
        fields["cur_pct"] = f"cur.{m['pct']}" if m["pct"] else "null"
        fields["prev_value"] = f"prev.{m['value']}"
        obs, exp = observed.format(**fields), expected.format(**fields)
        parts.append(
            f"""
            select
                '{m["mart"]} ' || cur.financial_year || ' ' || {label} || ': {m[column]}'
                    as item,
                cast({obs} as double) as observed,
                cast({exp} as double) as expected
            from {m["mart"]} as cur
            left join {m["mart"]} as prev
                on prev.financial_year = {previous_fy("cur.financial_year")} and {on}"""
        )
    return "\nunion all\n".join(parts)


CHECKS = [
    _total_check(
        "t2_total_is_sum_of_directorates",
        "Table 2",
        "report.rpt_stage1_received_by_directorate",
        {"directorate": "Total"},
        ["complaints_received"],
    ),
    _total_check(
        "t3_total_is_sum_of_directorates",
        "Table 3",
        "report.rpt_stage2_received_by_directorate",
        {"directorate": "Total"},
        ["complaints_received"],
    ),
    _total_check(
        "t4_totals_are_sums_at_every_level",
        "Table 4",
        "report.rpt_closed_by_directorate_type",
        {"directorate": "Total", "feedback_type": "Total"},
        ["cases_closed"],
    ),
    _total_check(
        "t8_total_is_sum_of_reasons",
        "Table 8",
        "report.rpt_complaint_reasons",
        {"reason": "Total"},
        ["reasons_recorded"],
    ),
    _total_check(
        "t9_totals_are_sums_at_every_level",
        "Table 9",
        "report.rpt_upheld_reasons_by_directorate",
        {"reason": "Total", "directorate": "Total"},
        ["upheld_complaints"],
    ),
    _total_check(
        "timeliness_rollups_are_sums_at_every_level",
        "Section 4.1",
        "report.rpt_timeliness",
        {"directorate": "Total", "stage": "all", "procedure": "all"},
        ["closed", "on_time", "acknowledged_on_time"],
    ),
    _total_check(
        "t13_total_is_sum_of_channels",
        "Table 13",
        "report.rpt_channels",
        {"channel": "Total"},
        ["received"],
    ),
    _total_check(
        "compensation_total_is_sum_of_directorates",
        "Section 6.1",
        "report.rpt_compensation_by_directorate",
        {"directorate": "Total"},
        ["amount_gbp", "following_lgsco_gbp"],
        money=True,
    ),
    _total_check(
        "t14_total_is_sum_of_reasons",
        "Table 14",
        "report.rpt_compensation_reasons",
        {"payment_reason": "Total"},
        ["payments", "amount_gbp"],
        money=True,
    ),
    _total_check(
        "appendix_a_service_total_is_sum_of_services",
        "Appendix A by service",
        "report.rpt_complaints_by_service",
        {"service": "Total"},
        ["complaints_received"],
        keys=("financial_year", "directorate"),
    ),
    _total_check(
        "escalation_rates_total_is_sum_of_directorates",
        "rpt_escalation_rates",
        "report.rpt_escalation_rates",
        {"directorate": "Total"},
        ["stage1_closed", "escalated_to_stage2", "stage2_closed", "lgsco_cases"],
        severity=WARN,
    ),
    _total_check(
        "lateness_total_is_sum_of_directorates",
        "rpt_lateness",
        "report.rpt_lateness",
        {"directorate": "Total"},
        ["late_complaints"],
        keys=("financial_year", "days_late_band"),
        severity=WARN,
    ),
    Check(
        name="escalation_analysis_splits_add_up",
        severity=ERROR,
        description=(
            "Section 3.21 (report.rpt_stage2_escalation_analysis): already upheld at stage 1"
            " + stage 1 overturned + bypassed stage 1 = stage 2 upheld or partly upheld."
        ),
        sql="""
            select
                'report.rpt_stage2_escalation_analysis ' || financial_year
                || ': already upheld + overturned + bypassed' as item,
                already_upheld_at_stage1 + stage1_overturned + bypassed_stage1 as observed,
                stage2_upheld_or_partly as expected
            from report.rpt_stage2_escalation_analysis
        """,
    ),
    _shares_sum_to_one(
        "t5_shares_sum_to_one",
        "Table 5",
        "report.rpt_stage1_outcomes",
        "share_of_closed",
        "complaints_closed",
        "true",
    ),
    _shares_sum_to_one(
        "t6_shares_sum_to_one",
        "Table 6",
        "report.rpt_stage2_outcomes",
        "share_of_closed",
        "complaints_closed",
        "true",
    ),
    _shares_sum_to_one(
        "t8_shares_sum_to_one",
        "Table 8",
        "report.rpt_complaint_reasons",
        "share",
        "reasons_recorded",
        "reason <> 'Total'",
    ),
    _shares_sum_to_one(
        "t9_shares_sum_to_one",
        "Table 9",
        "report.rpt_upheld_reasons_by_directorate",
        "share_of_total",
        "upheld_complaints",
        "reason <> 'Total' and directorate <> 'Total'",
    ),
    _shares_sum_to_one(
        "t13_shares_sum_to_one",
        "Table 13",
        "report.rpt_channels",
        "share",
        "received",
        "channel <> 'Total'",
    ),
    _shares_sum_to_one(
        "t14_shares_sum_to_one",
        "Table 14",
        "report.rpt_compensation_reasons",
        "share_of_payments",
        "payments",
        "payment_reason <> 'Total'",
    ),
    Check(
        name="shares_are_counts_over_their_whole",
        severity=ERROR,
        description=(
            "Every share and rate is its count over its whole: T5/T6 share_of_closed (of the"
            " stage's closed), T8 share and T14 share_of_payments (of the Total row), T9"
            " share_of_total (of the grand total), T13 share and digital_share (of the Total"
            " channel), 4.1 pct_on_time and pct_acknowledged_on_time (of closed)."
        ),
        sql="\nunion all\n".join(
            [
                _share_rows(
                    f"report.rpt_stage{stage}_outcomes",
                    "share_of_closed",
                    "complaints_closed",
                    "sum(complaints_closed) over (partition by financial_year)",
                    "financial_year || ' ' || outcome",
                )
                for stage in (1, 2)
            ]
            + [
                _share_rows(
                    "report.rpt_complaint_reasons",
                    "share",
                    "reasons_recorded",
                    "max(case when reason = 'Total' then reasons_recorded end)"
                    " over (partition by financial_year)",
                    "financial_year || ' ' || reason",
                ),
                _share_rows(
                    "report.rpt_compensation_reasons",
                    "share_of_payments",
                    "payments",
                    "max(case when payment_reason = 'Total' then payments end)"
                    " over (partition by financial_year)",
                    "financial_year || ' ' || payment_reason",
                ),
                _share_rows(
                    "report.rpt_upheld_reasons_by_directorate",
                    "share_of_total",
                    "upheld_complaints",
                    "max(case when reason = 'Total' and directorate = 'Total'"
                    " then upheld_complaints end) over (partition by financial_year)",
                    "financial_year || ' ' || reason || ' / ' || directorate",
                ),
                _share_rows(
                    "report.rpt_channels",
                    "share",
                    "received",
                    "max(case when channel = 'Total' then received end)"
                    " over (partition by financial_year)",
                    "financial_year || ' ' || channel",
                ),
                _share_rows(
                    "report.rpt_channels",
                    "digital_share",
                    "sum(case when channel in ('email', 'online_form') then received else 0"
                    " end) over (partition by financial_year)",
                    "max(case when channel = 'Total' then received end)"
                    " over (partition by financial_year)",
                    "financial_year || ' ' || channel",
                ),
                _share_rows(
                    "report.rpt_timeliness",
                    "pct_on_time",
                    "on_time",
                    "closed",
                    "financial_year || ' ' || directorate || ' stage ' || stage"
                    " || ' ' || procedure",
                ),
                _share_rows(
                    "report.rpt_timeliness",
                    "pct_acknowledged_on_time",
                    "acknowledged_on_time",
                    "closed",
                    "financial_year || ' ' || directorate || ' stage ' || stage"
                    " || ' ' || procedure",
                ),
            ]
        ),
        compare=within(SHARE_TOLERANCE),
    ),
    Check(
        name="yoy_previous_is_last_years_value",
        severity=ERROR,
        description=(
            "T1, T2, T3, T4, T7, 6.1: the previous-year column is the same row's value in the"
            " previous financial year (NULL in the first year)."
        ),
        sql=_yoy_sql("{cur_previous}", "{prev_value}", "previous"),
    ),
    Check(
        name="yoy_difference_is_value_minus_previous",
        severity=ERROR,
        description="T1, T2, T3, T4, T7, 6.1: difference = value - previous year's value.",
        sql=_yoy_sql("{cur_diff}", "{cur_value} - {cur_previous}", "diff"),
        compare=within(MONEY_TOLERANCE),
    ),
    Check(
        name="yoy_pct_difference_is_difference_over_previous",
        severity=ERROR,
        description=(
            "T1, T2, T3, T4, T7: pct_difference = difference / previous year's value, a"
            " fraction; NULL when the previous value is 0 or NULL."
        ),
        sql=_yoy_sql(
            "{cur_pct}",
            "case when {cur_previous} <> 0"
            " then ({cur_value} - {cur_previous}) / cast({cur_previous} as double) end",
            "pct",
        ),
        compare=within(SHARE_TOLERANCE),
    ),
]
