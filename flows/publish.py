"""Publish a build's report marts for people and BI tools that read files: CSV and Parquet
(one file per model, with a manifest) and the run summary, under reports/. With a
`Suppressor`, the files are the public version: small numbers suppressed (outputs.suppression).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb

from outputs.html_report import report_tables
from outputs.suppression import Suppressor

REPORT_SCHEMA = "report"


def publish_reports(
    warehouse: Path,
    reports_dir: Path,
    summary: dict[str, Any],
    suppressor: Suppressor | None = None,
) -> list[Path]:
    """Write every `report.rpt_*` table to `<reports_dir>/<model>.csv` and `run_summary.json`.

    Each file is written under a temporary name and renamed, so a reader never sees half a file.
    With a suppressor, small numbers are suppressed and excluded marts are not written (a file
    left from an unsuppressed run is removed).
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in report_tables(con):
            target = reports_dir / f"{table}.csv"
            if suppressor and suppressor.excluded(table):
                target.unlink(missing_ok=True)
                continue
            tmp = reports_dir / f".{table}.csv.tmp"
            relation = _public_relation(con, table, suppressor)
            con.execute(
                f"copy (select {_spreadsheet_safe_columns(con, relation)} from {relation})"
                f" to '{tmp}' (header, delimiter ',')"
            )
            os.replace(tmp, target)
            written.append(target)
    written.append(write_run_summary(reports_dir, summary))
    return written


def _public_relation(
    con: duckdb.DuckDBPyConnection, table: str, suppressor: Suppressor | None
) -> str:
    """A view of the mart as it is published, ordered: the table itself, or (with a
    suppressor) its suppressed rows, count columns as text and the others in their types."""
    con.execute(
        f'create or replace temp view public_rows as select * from {REPORT_SCHEMA}."{table}"'
        " order by all"
    )
    if suppressor is None:
        return "public_rows"
    frame = suppressor(table, con.execute("select * from public_rows").df())
    text_columns = set(suppressor.rule(table).suppressed_columns)
    casts = ", ".join(
        f'cast("{name}" as {"varchar" if name in text_columns else data_type}) as "{name}"'
        for name, data_type in _columns(con, table)
    )
    con.register("suppressed_frame", frame)
    con.execute(
        f"create or replace temp table public_suppressed as select {casts} from suppressed_frame"
    )
    con.unregister("suppressed_frame")
    return "public_suppressed"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [REPORT_SCHEMA, table],
    ).fetchall()


# A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = r"^[=+\-@\t\r]"


def _spreadsheet_safe_columns(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Select list that neutralises spreadsheet formulas in text columns (a leading '), so
    that names or reasons from the case system cannot run as formulas in Excel."""
    columns = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    selects = []
    for name, data_type in columns:
        column = f'"{name}"'
        if data_type.upper() == "VARCHAR":
            selects.append(
                f"case when regexp_matches({column}, '{FORMULA_START}')"
                f" then chr(39) || {column} else {column} end as {column}"
            )
        else:
            selects.append(column)
    return ", ".join(selects)


def write_run_summary(reports_dir: Path, summary: dict[str, Any]) -> Path:
    """`<reports_dir>/run_summary.json`, written under a temporary name and renamed."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    summary_path = reports_dir / "run_summary.json"
    tmp = reports_dir / ".run_summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, summary_path)
    return summary_path


def export_parquet(
    warehouse: Path, out_dir: Path, build_id: str, suppressor: Suppressor | None = None
) -> Path:
    """Every report mart as `<out_dir>/<model>.parquet`, and `manifest.json` listing them
    (model, rows, build id, built at, suppressed below). Files are written under temporary
    names and renamed. With a suppressor, small numbers are suppressed (count columns become
    text) and excluded marts are not written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    entries = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in report_tables(con):
            target = out_dir / f"{table}.parquet"
            if suppressor and suppressor.excluded(table):
                target.unlink(missing_ok=True)
                continue
            tmp = out_dir / f".{table}.parquet.tmp"
            relation = _public_relation(con, table, suppressor)
            con.execute(f"copy (select * from {relation}) to '{tmp}' (format parquet)")
            os.replace(tmp, target)
            (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
            entries.append(
                {
                    "model": table,
                    "file": target.name,
                    "rows": rows,
                    "build_id": build_id,
                    "built_at": built_at,
                    "suppressed_below": suppressor.threshold if suppressor else None,
                }
            )
    manifest = out_dir / "manifest.json"
    tmp = out_dir / ".manifest.json.tmp"
    tmp.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, manifest)
    return manifest


def unmapped_org_units(warehouse: Path) -> list[dict[str, Any]]:
    """Directorate and service names in the data that the org_units seed does not know."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select unit_type, recorded_name, cases from audit.unmapped_org_units order by all"
        ).fetchall()
    return [{"unit_type": t, "recorded_name": n, "cases": c} for t, n, c in rows]


def overview_lines(warehouse: Path) -> list[str]:
    """Table 1 of the latest complete financial year (one that ended by the last case
    received), as lines for a person."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""
            with latest as (
                select max(years.financial_year) as financial_year
                from intermediate.int_financial_years as years
                where years.financial_year_end <= (select max(received_date) from marts.fct_cases)
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
