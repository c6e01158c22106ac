"""What a reconciliation check is: a small SQL query and how to compare what it returns.

Every check's query runs in DuckDB against the warehouse and returns a *small* frame, one
row per thing reconciled (a total, a year, a delivery file, a month end), with columns:

    item      text naming the table and row being reconciled (shown when it fails)
    observed  the figure as the warehouse holds it (e.g. the Total row)
    expected  what it should be (e.g. the sum of its parts)

Great Expectations then asserts on that frame with one expectation per check (see
`Comparison`). Large tables never leave DuckDB: the SQL aggregates first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warn"]
ERROR: Severity = "error"  # fails the flow run (after the warehouse is built)
WARN: Severity = "warn"  # the run completes, with warnings

# Tolerances for comparisons of doubles: shares and rates, and money in pounds.
SHARE_TOLERANCE = 1e-9
MONEY_TOLERANCE = 0.005


@dataclass(frozen=True)
class Comparison:
    """How observed is compared with expected, row by row.

    kind:
      equal     observed = expected (NULL = NULL agrees; NULL vs a number does not)
      within    |observed - expected| <= tolerance (NULL = NULL agrees)
      at_most   observed <= expected
    """

    kind: Literal["equal", "within", "at_most"]
    tolerance: float = 0.0

    def describe(self) -> str:
        if self.kind == "equal":
            return "observed = expected"
        if self.kind == "within":
            return f"|observed - expected| <= {self.tolerance:g}"
        return "observed <= expected"

    def gx_expectation(self, check: str, severity: Severity, meta: dict[str, Any]):
        """The Great Expectations expectation asserting this comparison on a suite frame.

        The suite frame holds every check's rows; `row_condition` selects this check's.
        """
        import great_expectations as gx
        from great_expectations.expectations.row_conditions import Column

        common: dict[str, Any] = {
            "row_condition": Column("check") == check,
            "severity": "critical" if severity == ERROR else "warning",
            "meta": meta,
            "description": meta.get("description"),
        }
        if self.kind == "equal":
            return gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="observed", column_B="expected", **common
            )
        if self.kind == "within":
            # `deviation` is |observed - expected| (0 when both are NULL, infinite when one
            # is), added by the runner.
            return gx.expectations.ExpectColumnValuesToBeBetween(
                column="deviation", min_value=0, max_value=self.tolerance, **common
            )
        return gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="expected", column_B="observed", or_equal=True, **common
        )


EQUAL = Comparison("equal")
AT_MOST = Comparison("at_most")


def within(tolerance: float) -> Comparison:
    return Comparison("within", tolerance)


@dataclass(frozen=True)
class Check:
    """One reconciliation expectation of a suite.

    name         stable identifier (snake_case), stored in marts.validation_results
    severity     ERROR or WARN (see the suite modules for why each is what it is)
    description  what must hold, in words a newcomer can check by hand
    sql          DuckDB query returning item, observed, expected
    compare      how observed is compared with expected
    """

    name: str
    severity: Severity
    description: str
    sql: str
    compare: Comparison = EQUAL


# --- SQL helpers shared by the suites --------------------------------------------------


def fy_of(date_expr: str) -> str:
    """SQL: the financial year label 'YYYY/YY' (April-March) of a date expression."""
    return (
        f"(case when month({date_expr}) >= 4"
        f" then cast(year({date_expr}) as varchar) || '/'"
        f" || right(cast(year({date_expr}) + 1 as varchar), 2)"
        f" else cast(year({date_expr}) - 1 as varchar) || '/'"
        f" || right(cast(year({date_expr}) as varchar), 2) end)"
    )


def previous_fy(label_expr: str) -> str:
    """SQL: the financial year before a 'YYYY/YY' label ('2023/24' -> '2022/23')."""
    return (
        f"(cast(cast(left({label_expr}, 4) as integer) - 1 as varchar) || '/'"
        f" || right(left({label_expr}, 4), 2))"
    )


def rollup_sql(
    mart: str,
    rolled: dict[str, str],
    measures: list[str],
    keys: tuple[str, ...] = ("financial_year",),
) -> str:
    """SQL comparing every roll-up row of a mart with the sum of its leaf rows.

    rolled:   dimension column -> the member that means "all of them" ('Total', 'all')
    measures: additive columns to compare
    keys:     columns that are never rolled up (the year, a band)

    A roll-up row is one where at least one rolled dimension holds its total member; its
    leaves are the rows where no rolled dimension does and that match the roll-up row on
    every dimension it does not roll up. This checks every level of a cube at once.
    """
    is_rollup = " or ".join(f"r.{d} = '{t}'" for d, t in rolled.items())
    is_leaf = " and ".join(f"coalesce(l.{d}, '') <> '{t}'" for d, t in rolled.items())
    matches = " and ".join(
        [f"l.{k} is not distinct from r.{k}" for k in keys]
        + [f"(r.{d} = '{t}' or l.{d} is not distinct from r.{d})" for d, t in rolled.items()]
    )
    label = " || ' ' || ".join(
        [f"coalesce(cast(r.{k} as varchar), 'NULL')" for k in keys]
        + [f"'{d}=' || coalesce(cast(r.{d} as varchar), 'NULL')" for d in rolled]
    )
    parts = []
    for measure in measures:
        parts.append(
            f"""
            select
                '{mart} ' || {label} || ': {measure}' as item,
                cast(r.{measure} as double) as observed,
                cast(coalesce((
                    select sum(l.{measure}) from {mart} as l where {is_leaf} and {matches}
                ), 0) as double) as expected
            from {mart} as r
            where {is_rollup}"""
        )
    return "\nunion all\n".join(parts)
