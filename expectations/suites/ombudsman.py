"""Suite 5, Ombudsman: the LGSCO tables agree with the Ombudsman's own statistics, and the
council's log agrees with the decisions the Ombudsman published, within the council's limit.

  T16 Total per year = the statistics' published total received (when one is published)
  T17 Total per year = the statistics' published total decided (both schemes)
  T17 categories add up to the Total (scheme to 2023/24)
  Table 1's lgsco_decisions = T17 Total
  disagreements between the log and the published decisions (different outcome or date,
  rpt_lgsco_log_reconciliation) per year <= FEEDBACK_LGSCO_MAX_DISAGREEMENTS (default 5):
  the complaints team works through them; more than the council accepts is a warning

Severity: ERROR for the published tables' arithmetic; WARN for the log reconciliation (the
Ombudsman does not publish every decision, and the log is kept by hand).
"""

from __future__ import annotations

import os

from expectations.checks import AT_MOST, ERROR, WARN, Check
from expectations.suites.cross_table import _agree

MAX_DISAGREEMENTS_ENV = "FEEDBACK_LGSCO_MAX_DISAGREEMENTS"


def max_disagreements() -> int:
    return int(os.environ.get(MAX_DISAGREEMENTS_ENV) or 5)


CHECKS = [
    Check(
        name="t16_total_equals_published_total_received",
        severity=ERROR,
        description=(
            "Table 16's Total = the LGSCO statistics' published total of complaints and"
            " enquiries received about the council, per year (years with a published total)."
        ),
        sql=_agree(
            "T16 Total vs published total received",
            "select financial_year, complaints_received as n"
            " from report.rpt_lgsco_received_by_category where lgsco_category = 'Total'"
            " and financial_year in (select financial_year from marts.fct_lgsco_annual_stats"
            " where is_this_council and measure = 'received_total')",
            "select financial_year, value as n from marts.fct_lgsco_annual_stats"
            " where is_this_council and measure = 'received_total'",
        ),
    ),
    Check(
        name="t17_total_equals_published_total_decided",
        severity=ERROR,
        description=(
            "Table 17's Total = the LGSCO statistics' published total of decisions about the"
            " council (complaints dealt with, from 2024/25), per year."
        ),
        sql=_agree(
            "T17 Total vs published total decided",
            "select financial_year, decisions as n from report.rpt_lgsco_decisions"
            " where decision_category = 'Total' and financial_year in ("
            " select financial_year from marts.fct_lgsco_annual_stats where is_this_council"
            " and measure in ('decided_total', 'complaints_dealt_with'))",
            "select financial_year, max(value) as n from marts.fct_lgsco_annual_stats"
            " where is_this_council and measure in ('decided_total', 'complaints_dealt_with')"
            " group by financial_year",
        ),
    ),
    Check(
        name="t17_categories_add_up_to_total",
        severity=ERROR,
        description="Table 17's six categories add up to its Total (scheme to 2023/24).",
        sql=_agree(
            "T17 Total vs sum of categories",
            "select financial_year, decisions as n from report.rpt_lgsco_decisions"
            " where decision_category = 'Total' and scheme = 'to_2023_24'",
            "select financial_year, sum(decisions) as n from report.rpt_lgsco_decisions"
            " where decision_category <> 'Total' and scheme = 'to_2023_24'"
            " group by financial_year",
        ),
    ),
    Check(
        name="t1_lgsco_decisions_equal_t17_total",
        severity=ERROR,
        description="Table 1's lgsco_decisions = Table 17's Total, per year Table 1 covers.",
        sql=_agree(
            "T1 lgsco_decisions vs T17 Total",
            "select financial_year, value as n from report.rpt_feedback_overview"
            " where measure = 'lgsco_decisions'",
            "select financial_year, decisions as n from report.rpt_lgsco_decisions"
            " where decision_category = 'Total' and financial_year in ("
            " select financial_year from report.rpt_feedback_overview)",
        ),
    ),
    Check(
        name="log_disagreements_within_limit",
        severity=WARN,
        compare=AT_MOST,
        description=(
            "Cases where the council's LGSCO log and the published decision disagree on the"
            " outcome or the decision date, per year, are at most the council's limit"
            f" ({MAX_DISAGREEMENTS_ENV}, default 5)."
        ),
        sql=f"""
            select
                financial_year || ': rpt_lgsco_log_reconciliation outcome or date differs' as item,
                cast(count(*) as double) as observed,
                cast({max_disagreements()} as double) as expected
            from report.rpt_lgsco_log_reconciliation
            where issue in ('outcome_differs', 'decision_date_differs')
            group by financial_year
        """,
    ),
]
