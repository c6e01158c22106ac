"""Run the reconciliation suites on a warehouse, store and render the results.

    report = run_suites(Path("warehouse/feedback.duckdb"), run_id="nightly-2026-11-23")
    write_results(Path("warehouse/feedback.duckdb"), report)   # -> marts.validation_results
    render_data_docs(report, Path("reports"))                   # -> reports/data_docs/index.html
    if report.errors: ...                                       # fail the flow run

No Prefect needed. The warehouse is opened read-only to validate, read-write only to
append the results.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from expectations import gx as gx_setup  # sets GX_ANALYTICS_ENABLED before GX is imported
from expectations.checks import ERROR, WARN, Check
from expectations.suites import SUITES

RESULT_COLUMNS = (
    "run_id",
    "suite",
    "expectation",
    "severity",
    "success",
    "observed_value",
    "details",
    "validated_at",
)
RESULTS_TABLE = "marts.validation_results"
RESULTS_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar,
    suite varchar,
    expectation varchar,
    severity varchar,
    success boolean,
    observed_value varchar,
    details varchar,
    validated_at timestamp
)
"""
FRAME_COLUMNS = ["check", "item", "observed", "expected", "deviation"]
MAX_LISTED = 20  # failing rows spelled out in `details`


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation (one check) of one suite."""

    run_id: str
    suite: str
    expectation: str
    severity: str
    success: bool
    observed_value: str
    details: str
    failures: tuple[dict[str, Any], ...] = ()  # item, observed, expected of failing rows

    def as_row(self, validated_at: dt.datetime) -> dict[str, Any]:
        row = {k: v for k, v in asdict(self).items() if k != "failures"}
        return {**row, "validated_at": validated_at}


@dataclass
class ValidationReport:
    run_id: str
    warehouse: str
    validated_at: dt.datetime
    results: list[CheckResult] = field(default_factory=list)
    # Great Expectations' own results (ExpectationSuiteValidationResult), by suite.
    gx_results: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[CheckResult]:
        """Failed expectations of severity error: the flow run should fail."""
        return [r for r in self.results if not r.success and r.severity == ERROR]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed expectations of severity warn: the run completes with warnings."""
        return [r for r in self.results if not r.success and r.severity == WARN]

    @property
    def success(self) -> bool:
        return not self.errors

    def result(self, expectation: str) -> CheckResult:
        """The result of the expectation named `expectation` (KeyError if it did not run)."""
        for r in self.results:
            if r.expectation == expectation:
                return r
        raise KeyError(expectation)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "warehouse": self.warehouse,
            "validated_at": self.validated_at.isoformat(),
            "success": self.success,
            "expectations": len(self.results),
            "errors": [r.expectation for r in self.errors],
            "warnings": [r.expectation for r in self.warnings],
            "results": [
                {**asdict(r), "failures": [_jsonable(f) for f in r.failures]} for r in self.results
            ],
        }


def suite_names() -> list[str]:
    return list(SUITES)


def run_suites(
    warehouse: Path, run_id: str, suites: Iterable[str] | None = None
) -> ValidationReport:
    """Run the named suites (all by default) on the warehouse, opened read-only."""
    import pandas as pd

    names = list(SUITES) if suites is None else list(suites)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ValueError(f"unknown suite(s) {unknown}; known: {list(SUITES)}")
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}")

    report = ValidationReport(
        run_id=run_id,
        warehouse=str(warehouse),
        validated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
    )
    computed: dict[str, tuple[pd.DataFrame, dict[str, str]]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in names:
            frames, query_errors = [], {}
            for check in SUITES[name]:
                try:
                    frames.append(_frame(check, con.execute(check.sql).df()))
                except (duckdb.Error, KeyError, ValueError, TypeError) as exc:
                    query_errors[check.name] = f"{type(exc).__name__}: {exc}"
            frame = pd.concat(frames, ignore_index=True) if frames else _empty_frame()
            computed[name] = (frame, query_errors)

    context = gx_setup.ephemeral_context()
    for name in names:
        frame, query_errors = computed[name]
        gx_result = _validate(context, name, SUITES[name], frame, query_errors, report)
        report.gx_results[name] = gx_result
        report.results.extend(_results(name, SUITES[name], frame, gx_result, query_errors, run_id))
    return report


def write_results(warehouse: Path, report: ValidationReport) -> None:
    """Append the report's rows to marts.validation_results (created when missing)."""
    rows = [r.as_row(report.validated_at) for r in report.results]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(RESULTS_DDL)
        if not rows:
            return
        con.executemany(
            f"insert into {RESULTS_TABLE} ({', '.join(RESULT_COLUMNS)})"
            f" values ({', '.join('?' for _ in RESULT_COLUMNS)})",
            [[row[c] for c in RESULT_COLUMNS] for row in rows],
        )


def render_data_docs(report: ValidationReport, reports_dir: Path) -> Path:
    """Great Expectations Data Docs of the report under reports_dir/data_docs/.

    Returns the index page. The pages are static HTML built offline; they load Bootstrap
    and jQuery from public CDNs for styling, so read offline they are plain but complete.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site_dir = Path(reports_dir) / "data_docs"
    site_dir.mkdir(parents=True, exist_ok=True)
    context = gx_setup.ephemeral_context()
    gx_setup.add_local_site(context, "reconciliation", str(site_dir))
    for suite_name, gx_result in report.gx_results.items():
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=gx_result.meta["run_id"],
            batch_identifier=suite_name,
        )
        context.validation_results_store.set(key, gx_result)
    context.build_data_docs(site_names=["reconciliation"])
    index = site_dir / "index.html"
    if not index.is_file():
        raise RuntimeError(f"Great Expectations wrote no Data Docs index under {site_dir}")
    return index


# --- internals ---------------------------------------------------------------------------


def _empty_frame():
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="float64") for c in FRAME_COLUMNS}).astype(
        {"check": "object", "item": "object"}
    )


def _frame(check: Check, raw):
    """The check's rows as check, item, observed, expected, deviation (floats)."""
    import numpy as np
    import pandas as pd

    missing = {"item", "observed", "expected"} - set(raw.columns)
    if missing:
        raise KeyError(f"query returned no column(s) {sorted(missing)}")
    frame = pd.DataFrame(
        {
            "check": check.name,
            "item": raw["item"].astype(object).where(raw["item"].notna(), "NULL").astype(str),
            "observed": pd.to_numeric(raw["observed"], errors="coerce").astype("float64"),
            "expected": pd.to_numeric(raw["expected"], errors="coerce").astype("float64"),
        }
    )
    both_null = frame["observed"].isna() & frame["expected"].isna()
    one_null = frame["observed"].isna() ^ frame["expected"].isna()
    deviation = (frame["observed"] - frame["expected"]).abs()
    frame["deviation"] = np.where(both_null, 0.0, np.where(one_null, np.inf, deviation))
    return frame[FRAME_COLUMNS]


def _validate(context, suite_name, checks, frame, query_errors, report):
    """Validate the suite's frame with Great Expectations: one expectation per check."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    datasource = context.data_sources.add_or_update_pandas("reconciliation")
    asset = datasource.add_dataframe_asset(suite_name)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole frame")
    suite = gx.ExpectationSuite(name=suite_name)
    for check in checks:
        if check.name in query_errors:
            continue
        meta = {
            "check": check.name,
            "severity": check.severity,
            "description": check.description,
            "comparison": check.compare.describe(),
        }
        suite.add_expectation(check.compare.gx_expectation(check.name, check.severity, meta))
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    return definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["item"]},
        run_id=RunIdentifier(run_name=report.run_id, run_time=report.validated_at),
    )


def _results(suite_name, checks, frame, gx_result, query_errors, run_id) -> list[CheckResult]:
    by_check = {r.expectation_config.meta["check"]: r for r in gx_result.results}
    results = []
    for check in checks:
        rows = frame[frame["check"] == check.name]
        base = {
            "run_id": run_id,
            "suite": suite_name,
            "expectation": check.name,
            "severity": check.severity,
        }
        if check.name in query_errors:
            results.append(
                CheckResult(
                    **base,
                    success=False,
                    observed_value="query failed",
                    details=f"{check.description} The query failed: {query_errors[check.name]}",
                )
            )
            continue
        outcome = by_check[check.name]
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            results.append(
                CheckResult(
                    **base,
                    success=False,
                    observed_value="expectation raised",
                    details=f"{check.description} Great Expectations raised:"
                    f" {outcome.exception_info.get('exception_message')}",
                )
            )
            continue
        failing_items = {
            str(u.get("item")) for u in outcome.result.get("unexpected_index_list") or []
        }
        failing = rows[rows["item"].isin(failing_items)]
        failures = tuple(
            {"item": r.item, "observed": _number(r.observed), "expected": _number(r.expected)}
            for r in failing.itertuples()
        )
        count = len(rows)
        if outcome.success:
            observed = f"all {count} row(s) agree ({check.compare.describe()})"
            details = check.description
        else:
            observed = (
                f"{outcome.result.get('unexpected_count', len(failures))} of {count} row(s)"
                f" disagree ({check.compare.describe()})"
            )
            lines = [
                f"{f['item']}: observed {_text(f['observed'])}, expected {_text(f['expected'])}"
                for f in failures[:MAX_LISTED]
            ]
            if len(failures) > MAX_LISTED:
                lines.append(f"... and {len(failures) - MAX_LISTED} more")
            details = check.description + " Failing: " + "; ".join(lines)
        results.append(
            CheckResult(
                **base,
                success=bool(outcome.success),
                observed_value=observed,
                details=details,
                failures=failures,
            )
        )
    return results


def _number(value: float) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if math.isfinite(value) and float(value).is_integer():
        return int(value)
    return float(value)


def _text(value: float | int | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return f"{value:.10g}"


def _jsonable(failure: dict[str, Any]) -> dict[str, Any]:
    return dict(failure.items())
