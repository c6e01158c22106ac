"""The reconciliation suites, by name, in the order they run.

A suite is a list of `expectations.checks.Check`. To add one: write
`expectations/suites/<name>.py` with a `CHECKS` list and add it to `SUITES` below.
`run_suites(..., suites=["<name>"])` then runs it, it is stored in
marts.validation_results and rendered in the Data Docs like the others.
"""

from __future__ import annotations

from expectations.checks import Check
from expectations.suites import balance, cross_table, ombudsman, row_conservation, totals

SUITES: dict[str, list[Check]] = {
    "row_conservation": row_conservation.CHECKS,
    "totals": totals.CHECKS,
    "balance": balance.CHECKS,
    "cross_table": cross_table.CHECKS,
    "ombudsman": ombudsman.CHECKS,
}
