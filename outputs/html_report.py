"""The annual report as one self-contained HTML file, made from a build's report marts.

`reports/annual_report_<YYYY-YY>.html`: the printed report's tables (year-on-year columns,
percentages), charts as inline SVG, the data-quality findings of the run and the LGSCO's
attribution. No JavaScript, no external file, no network: it opens offline and can be mailed.
Every text from case data or scraped pages is HTML-escaped (Jinja's autoescape; matplotlib
escapes chart text). With a `Suppressor` the report is the public version.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
import pandas as pd
import yaml

from outputs.layout import Marts, build_sections
from outputs.suppression import Suppressor
from outputs.tables import COUNT, TEXT, Column, DisplayTable, Section, format_cell, label

REPORT_SCHEMA = "report"
PROJECT_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
LGSCO_ATTRIBUTION = (
    "Figures about the Local Government and Social Care Ombudsman's complaints and decisions"
    " are taken from the Local Government and Social Care Ombudsman's published decisions and"
    " annual review statistics (www.lgo.org.uk) and are re-used with acknowledgement. The"
    " Ombudsman has not checked or endorsed this report."
)


@dataclass
class Report:
    """What the template shows (and the XLSX workbook writes)."""

    council: str
    year: str
    built_at: str
    build_id: str
    suppression: str
    sections: list[Section]
    quality: Section


def latest_complete_year(con: duckdb.DuckDBPyConnection) -> str:
    """The latest financial year that ended by the last case received."""
    row = con.execute(
        """
        select max(years.financial_year)
        from intermediate.int_financial_years as years
        where years.financial_year_end <= (select max(received_date) from marts.fct_cases)
        """
    ).fetchone()
    if row is None or row[0] is None:
        raise ValueError("the warehouse holds no complete financial year of cases to report")
    return row[0]


def report_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the report schema (the report marts), by name."""
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = ? order by table_name",
            [REPORT_SCHEMA],
        ).fetchall()
    ]


def load_marts(
    con: duckdb.DuckDBPyConnection, suppressor: Suppressor | None
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """(public, exact) frames of every report mart; excluded marts are not in `public`."""
    exact, public = {}, {}
    for table in report_tables(con):
        frame = con.execute(f'select * from {REPORT_SCHEMA}."{table}" order by all').df()
        exact[table] = frame
        if suppressor is None:
            public[table] = frame
        elif not suppressor.excluded(table):
            public[table] = suppressor(table, frame)
    return public, exact


def build_report(
    warehouse: Path,
    year: str | None = None,
    suppressor: Suppressor | None = None,
    build_id: str = "",
) -> Report:
    """Everything the report shows, read from the warehouse (opened read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        year = year or latest_complete_year(con)
        public, exact = load_marts(con, suppressor)
        marts = Marts(public, exact, year, suppressor.threshold if suppressor else None)
        sections = build_sections(marts)
        quality = data_quality(con, exact, suppressor)
        council = _council_name(exact.get("rpt_lgsco_benchmark"))
    suppression = (
        f"Counts below {suppressor.threshold} are shown as {suppressor.marker}, and further"
        " cells are hidden where a total would reveal them (shown the same way); shares and"
        " differences made from a hidden count are shown as \u2013."
        if suppressor
        else "Exact figures (for use within the council: small numbers are not suppressed)."
    )
    built_at = dt.datetime.fromtimestamp(warehouse.stat().st_mtime, dt.UTC)
    return Report(
        council=council,
        year=year,
        built_at=built_at.strftime("%d %B %Y %H:%M UTC"),
        build_id=build_id,
        suppression=suppression,
        sections=sections,
        quality=quality,
    )


def _council_name(benchmark: pd.DataFrame | None) -> str:
    if benchmark is not None and len(benchmark):
        council = benchmark[benchmark["is_this_council"].astype(bool)]
        if len(council):
            return str(council["authority"].iloc[0])
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return str(project.get("vars", {}).get("council_name", "The council"))


def data_quality(
    con: duckdb.DuckDBPyConnection,
    exact: dict[str, pd.DataFrame],
    suppressor: Suppressor | None,
) -> Section:
    """The run's checks: expectations, ingest per file, rejected rows by rule, names missing
    from the org_units seed, and the LGSCO log reconciliation (counts by issue only)."""
    section = Section("data-quality", "Data quality")

    def frame(sql: str) -> pd.DataFrame | None:
        try:
            return con.execute(sql).df()
        except duckdb.CatalogException:
            return None

    results = frame(
        "select suite, expectation, severity, success, observed_value from"
        " marts.validation_results where run_id = (select run_id from marts.validation_results"
        " order by validated_at desc limit 1) order by success, severity, suite, expectation"
    )
    if results is not None:
        failed = results[~results["success"].astype(bool)]
        section.tables.append(
            DisplayTable(
                "validation_results",
                "Reconciliation checks of this run",
                "marts.validation_results",
                [
                    Column("Suite", TEXT),
                    Column("Check", TEXT),
                    Column("Severity", TEXT),
                    Column("Result", TEXT),
                    Column("Observed", TEXT),
                ],
                [
                    [
                        r.suite,
                        r.expectation,
                        r.severity,
                        "passed" if r.success else "FAILED",
                        r.observed_value,
                    ]
                    for r in results.itertuples()
                ],
                note=f"{len(results) - len(failed)} of {len(results)} checks passed.",
            )
        )
    files = frame(
        "select source_file, entity, status, rows_read, rows_accepted, rows_rejected, message"
        " from audit.ingest_file_stats order by delivered_at, source_file, entity"
    )
    if files is not None:
        section.tables.append(
            DisplayTable(
                "ingest_file_stats",
                "Files delivered and what ingest made of them",
                "audit.ingest_file_stats",
                [
                    Column("File", TEXT),
                    Column("Entity", TEXT),
                    Column("Status", TEXT),
                    Column("Rows read"),
                    Column("Accepted"),
                    Column("Rejected"),
                ],
                [
                    [
                        r.source_file,
                        r.entity,
                        r.status,
                        r.rows_read,
                        r.rows_accepted,
                        r.rows_rejected,
                    ]
                    for r in files.itertuples()
                ],
                note="Every row read is accepted or kept with its reason (rows read = accepted"
                " + rejected).",
            )
        )
    rejected = frame(
        "select entity, rule, count(*) as row_count from audit.rejected_rows"
        " group by all order by entity, rule"
    )
    if rejected is not None:
        section.tables.append(
            DisplayTable(
                "rejected_rows",
                "Rows kept out of the figures, by the rule they break",
                "audit.rejected_rows",
                [Column("Entity", TEXT), Column("Rule", TEXT), Column("Rows", COUNT)],
                [[r.entity, r.rule, r.row_count] for r in rejected.itertuples()],
                note="" if len(rejected) else "No rows were rejected.",
            )
        )
    unmapped = frame(
        "select unit_type, recorded_name, cases from audit.unmapped_org_units order by all"
    )
    if unmapped is not None:
        section.tables.append(
            DisplayTable(
                "unmapped_org_units",
                "Directorate and service names missing from the org_units seed",
                "audit.unmapped_org_units",
                [Column("Type", TEXT), Column("Name as recorded", TEXT), Column("Cases")],
                [[r.unit_type, r.recorded_name, r.cases] for r in unmapped.itertuples()],
                note="" if len(unmapped) else "Every name maps to the org_units seed.",
            )
        )
    reconciliation = exact.get("rpt_lgsco_log_reconciliation")
    if reconciliation is not None:
        counts = reconciliation.groupby("issue").size()
        marker = suppressor.marker if suppressor else None
        rows = [
            [issue, marker if marker and 0 < n < suppressor.threshold else int(n)]
            for issue, n in counts.items()
        ]
        section.tables.append(
            DisplayTable(
                "lgsco_log_reconciliation",
                "The council's LGSCO log against the LGSCO's published decisions",
                "rpt_lgsco_log_reconciliation",
                [Column("Disagreement", TEXT), Column("Cases")],
                rows,
                note="The complaints team works through each case in"
                " report.rpt_lgsco_log_reconciliation (not published outside the council)."
                if rows
                else "The log and the published decisions agree.",
            )
        )
    return section


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = format_cell
    environment.filters["label"] = label
    environment.globals["css"] = (TEMPLATES / "annual_report.css").read_text(encoding="utf-8")
    return environment


def render_html(report: Report) -> str:
    return (
        _environment()
        .get_template("annual_report.html.j2")
        .render(report=report, attribution=LGSCO_ATTRIBUTION)
    )


def report_path(reports_dir: Path, year: str, suffix: str) -> Path:
    return reports_dir / f"annual_report_{year.replace('/', '-')}.{suffix}"


def write_html_report(report: Report, reports_dir: Path) -> Path:
    """`<reports_dir>/annual_report_<YYYY-YY>.html`, written under a temporary name and renamed."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = report_path(reports_dir, report.year, "html")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    os.replace(tmp, target)
    return target
