"""Publish a built warehouse's report marts as CSV files and a run summary under reports/."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb

REPORT_SCHEMA = "report"


def publish_reports(warehouse: Path, reports_dir: Path, summary: dict[str, Any]) -> list[Path]:
    """Write every `report.rpt_*` table to `<reports_dir>/<model>.csv` and `run_summary.json`.

    Each file is written under a temporary name and renamed, so a reader never sees half a file.
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? order by table_name",
                [REPORT_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            target = reports_dir / f"{table}.csv"
            tmp = reports_dir / f".{table}.csv.tmp"
            con.execute(
                f'copy (select * from {REPORT_SCHEMA}."{table}" order by all)'
                f" to '{tmp}' (header, delimiter ',')"
            )
            os.replace(tmp, target)
            written.append(target)
    summary_path = reports_dir / "run_summary.json"
    tmp = reports_dir / ".run_summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, summary_path)
    written.append(summary_path)
    return written


def unmapped_org_units(warehouse: Path) -> list[dict[str, Any]]:
    """Directorate and service names in the data that the org_units seed does not know."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select unit_type, recorded_name, cases from audit.unmapped_org_units order by all"
        ).fetchall()
    return [{"unit_type": t, "recorded_name": n, "cases": c} for t, n, c in rows]


def overview_lines(warehouse: Path) -> list[str]:
    """Table 1 of the latest financial year with stage 1 complaints, as lines for a person."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""
            with latest as (
                select max(financial_year) as financial_year
                from {REPORT_SCHEMA}.rpt_feedback_overview where value > 0
            )
            select o.financial_year, o.measure, o.value, o.previous_year_value, o.pct_difference
            from {REPORT_SCHEMA}.rpt_feedback_overview o join latest using (financial_year)
            order by o.measure
            """
        ).fetchall()
    lines = []
    for year, measure, value, previous, pct in rows:
        change = "" if pct is None else f" ({pct:+.0%} on {previous})"
        lines.append(f"{year}  {measure.replace('_', ' '):<18} {value:>7}{change}")
    return lines
