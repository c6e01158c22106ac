"""Land what the LGSCO scrapers return as Parquet next to the council's validated exports.

Scrapers return plain records; this module writes them where dbt reads them:

    <landing>/_validated/lgsco_decisions/<harvest_id>.parquet          one file per harvest
    <landing>/_validated/lgsco_complaints_received/<source>.parquet    per statistics file
    <landing>/_validated/lgsco_decisions_made/<source>.parquet
    <landing>/_validated/lgsco_remedy_compliance/<source>.parquet

A harvest only returns decisions new or changed since the last one, so decision files
accumulate (staging keeps the latest fetch of each page). A statistics file landed again
replaces its earlier version. Every table also gets an empty, typed `_empty.parquet`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingest.landing import VALIDATED_DIR
from ingest.validate import q

DECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "varchar"),
    ("organisation", "varchar"),
    ("organisation_key", "varchar"),
    ("category", "varchar"),
    ("subcategory", "varchar"),
    ("decision", "varchar"),
    ("publication_type", "varchar"),
    ("decision_date", "date"),
    ("summary", "varchar"),
    ("remedy_total_gbp", "decimal(18, 2)"),
    ("has_monthly_remedy", "boolean"),
    ("remedy_amounts_json", "varchar"),
    ("satisfactory_remedy", "boolean"),
    ("satisfied_date", "date"),
    ("url", "varchar"),
    ("fetched_at", "timestamp"),
    ("text_sha256", "varchar"),
    ("layout", "varchar"),
    ("other_references", "varchar"),
    ("_harvest_id", "varchar"),
)
STAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "varchar"),
    ("organisation", "varchar"),
    ("organisation_key", "varchar"),
    ("authority_type", "varchar"),
    ("measure", "varchar"),
    ("subject_area", "varchar"),
    ("value", "double"),
    ("source_file", "varchar"),
)
RECEIVED_MEASURES = ("received", "received_total")
REMEDY_MEASURES = (
    "compliance_satisfied",
    "compliance_outcomes",
    "satisfactory_remedy",
    "compliance_rate_pct",
    "satisfactory_remedy_pct",
    "upheld_per_100k",
)
STAT_TABLES = ("lgsco_complaints_received", "lgsco_decisions_made", "lgsco_remedy_compliance")


def stat_table(measure: str) -> str:
    """Which landed table a statistics measure belongs to."""
    if measure in RECEIVED_MEASURES:
        return "lgsco_complaints_received"
    if measure in REMEDY_MEASURES:
        return "lgsco_remedy_compliance"
    return "lgsco_decisions_made"


def land_decisions(decisions: Iterable[Any], landing_root: Path, harvest_id: str) -> Path | None:
    """Write one harvest's decisions (``scrapers.lgsco.Decision``); None when there are none."""
    rows = [_decision_row(d, harvest_id) for d in decisions]
    ensure_empty_tables(landing_root)
    if not rows:
        return None
    return _write(landing_root, "lgsco_decisions", harvest_id, DECISION_COLUMNS, rows)


def land_annual_stats(records: Iterable[Any], landing_root: Path) -> list[Path]:
    """Write statistics records (``scrapers.lgsco.StatRecord``), one file per source file."""
    ensure_empty_tables(landing_root)
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for record in records:
        row = tuple(record.as_dict()[name] for name, _ in STAT_COLUMNS)
        grouped.setdefault((stat_table(record.measure), record.source_file), []).append(row)
    written = []
    for (table, source_file), rows in sorted(grouped.items()):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(source_file).name)
        written.append(_write(landing_root, table, name, STAT_COLUMNS, rows))
    return written


def ensure_empty_tables(landing_root: Path) -> None:
    """An empty, typed Parquet file per LGSCO table, so dbt finds them before any scrape."""
    specs = [("lgsco_decisions", DECISION_COLUMNS)] + [(t, STAT_COLUMNS) for t in STAT_TABLES]
    for table, columns in specs:
        target = landing_root / VALIDATED_DIR / table / "_empty.parquet"
        if not target.exists():
            _write(landing_root, table, "_empty", columns, [])


def _write(
    landing_root: Path,
    table: str,
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: list[tuple],
) -> Path:
    out_dir = landing_root / VALIDATED_DIR / table
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.parquet"
    tmp = out_dir / f".{name}.parquet.tmp"
    ddl = ", ".join(f'"{column}" {sql_type}' for column, sql_type in columns)
    with duckdb.connect() as con:
        con.execute(f"create table landed ({ddl})")
        if rows:
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(f"insert into landed values ({placeholders})", rows)
        con.execute(f"copy landed to {q(str(tmp))} (format parquet)")
    tmp.replace(target)
    return target


def _decision_row(decision: Any, harvest_id: str) -> tuple:
    amounts = list(decision.remedy_amounts)
    one_off = [Decimal(str(a.amount)) for a in amounts if not a.per_month]
    return (
        decision.reference,
        decision.organisation,
        decision.organisation_key,
        decision.category,
        decision.subcategory,
        decision.decision,
        decision.publication_type,
        decision.decision_date,
        decision.summary,
        sum(one_off, Decimal("0")) if amounts else None,
        any(a.per_month for a in amounts),
        json.dumps(
            [
                {"amount": str(a.amount), "per_month": a.per_month, "sentence": a.sentence}
                for a in amounts
            ],
            ensure_ascii=False,
        ),
        decision.satisfactory_remedy,
        decision.satisfied_date,
        decision.url,
        _naive_utc(decision.fetched_at),
        decision.text_sha256,
        decision.layout,
        "; ".join(decision.other_references) if decision.other_references else None,
        harvest_id,
    )


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)
