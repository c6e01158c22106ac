"""The annual report people read: HTML (self-contained, charts as SVG) and XLSX, from the marts.

The nightly run writes `reports/annual_report_<YYYY-YY>.html` and `.xlsx`; these tests read what
the small fixture run wrote, check hand-counted figures, every mart's presence, escaping of
hostile text, the suppressed public version, and load the page in a real headless Chromium
(Debian's). The browser test skips without Chromium or Playwright unless
FEEDBACK_REQUIRE_BROWSER=1 (CI), when it fails; it keeps a screenshot in target/artifacts/.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest
from support import Run

from outputs.annual_report import publish_annual_report
from outputs.html_report import build_report, render_html
from outputs.suppression import Suppressor
from outputs.tables import COUNT

YEAR = "2023/24"  # the fixture's richest year (hand-counted in test_nightly_e2e)
LATEST_COMPLETE = "2022/23"  # the fixture's last case was received before 31 March 2024
PROJECT_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ENV_REQUIRE_BROWSER = "FEEDBACK_REQUIRE_BROWSER"
ARTIFACTS = PROJECT_DIR / "target" / "artifacts"
HOSTILE = [
    "<script>alert('reason')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","click")',
    "+SUM(A1:A9)",
    "@cmd|' /C calc'!A0",
    "Cost $5 & $10 </svg>",
]


class _Tables(HTMLParser):
    """Each report table of the page: id -> rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.sources: dict[str, str] = {}
        self._current: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and "report-table" in (attributes.get("class") or ""):
            self._current = attributes["id"]
            self.tables[self._current] = []
            self.sources[self._current] = attributes["data-source"] or ""
        elif tag == "tr" and self._current:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._current:
            self.tables[self._current].append(self._row)
            self._row = None
        elif tag == "section":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


def _report_marts(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'report' order by 1"
            ).fetchall()
        ]


@pytest.fixture(scope="module")
def report_2023(small_run: Run, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture warehouse's report for 2023/24 (as `feedback report --year 2023/24`)."""
    out = tmp_path_factory.mktemp("annual_report")
    written = publish_annual_report(small_run.warehouse, out, year=YEAR)
    return {"html": Path(written["html"]), "xlsx": Path(written["xlsx"])}


def test_the_nightly_run_writes_the_latest_complete_year(small_run: Run) -> None:
    written = small_run.summary["publish"]["annual_report"]
    assert written["year"] == LATEST_COMPLETE
    for suffix in ("html", "xlsx"):
        path = small_run.reports_dir / f"annual_report_2022-23.{suffix}"
        assert Path(written[suffix]) == path and path.stat().st_size > 1000
    assert not list(small_run.reports_dir.glob(".annual_report*"))  # no temporary file left
    parsed = _tables((small_run.reports_dir / "annual_report_2022-23.html").read_text("utf-8"))
    assert parsed.tables["rpt_feedback_overview"][1] == ["2022/23", "3", "1", "1"]


def test_report_has_every_mart_and_hand_counted_figures(
    small_run: Run, report_2023: dict[str, Path]
) -> None:
    page = report_2023["html"]
    parsed = _tables(page.read_text(encoding="utf-8"))
    # Every report mart appears (laid out as printed, or as a plain table).
    assert set(_report_marts(small_run.warehouse)) <= set(parsed.sources.values())
    # Table 1 as printed: a column per measure, rows this year, last year, difference, %.
    t1 = parsed.tables["rpt_feedback_overview"]
    assert t1[0] == ["", "Stage 1 complaints", "Comments", "Compliments"]
    assert t1[1:] == [
        ["2023/24", "8", "2", "1"],
        ["2022/23", "3", "1", "1"],
        ["Difference", "5", "1", "0"],
        ["% difference", "166.7%", "100.0%", "0.0%"],
    ]
    # Table 2: directorates as columns, Total last; no % difference from a previous 0.
    t2 = parsed.tables["rpt_stage1_received_by_directorate"]
    assert t2[0][-1] == "Total"
    growth = t2[0].index("Growth, Environment and Transport")
    chief = t2[0].index("Chief Executive and Deputy Chief Executive Departments")
    assert [row[growth] for row in t2[1:]] == ["5", "2", "3", "150.0%"]
    assert [row[chief] for row in t2[1:]] == ["1", "0", "1", "\u2013"]
    assert [row[-1] for row in t2[1:]] == ["8", "3", "5", "166.7%"]
    # The data-quality findings of the run, and the LGSCO's attribution.
    text = page.read_text(encoding="utf-8")
    for table in ("validation_results", "ingest_file_stats", "rejected_rows", "unmapped_org_units"):
        assert table in parsed.tables, table
    assert ["Service", "Recycling Centres", "1"] in parsed.tables["unmapped_org_units"]
    assert "Local Government and Social Care Ombudsman" in text
    assert "re-used with acknowledgement" in text
    # Self-contained: no script, no link to any other file or site.
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["'](?!#)""", text), "the page refers to another file"


def _hostile_warehouse(path: Path) -> Path:
    """A warehouse whose marts carry hostile text from case data and scraped pages."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema report")
        con.execute(
            "create table report.rpt_complaint_reasons"
            " (financial_year varchar, reason varchar, reasons_recorded integer, share double)"
        )
        con.executemany(
            "insert into report.rpt_complaint_reasons values (?, ?, ?, ?)",
            [(YEAR, text, 10 + i, 0.1) for i, text in enumerate(HOSTILE)],
        )
        con.execute(
            "create table report.rpt_delay_reasons (financial_year varchar, delay_reason"
            " varchar, late_complaints integer, share_of_closed double, rank integer)"
        )
        con.executemany(
            "insert into report.rpt_delay_reasons values (?, ?, ?, 0.1, ?)",
            [(YEAR, text, 20 - i, i + 1) for i, text in enumerate(HOSTILE)],
        )
        con.execute(
            "create table report.rpt_new_measure (financial_year varchar, directorate varchar,"
            " cases integer)"
        )
        con.executemany(
            "insert into report.rpt_new_measure values (?, ?, ?)",
            [(YEAR, text, 7) for text in HOSTILE],
        )
    return path


def test_hostile_text_is_escaped_in_tables_and_charts(tmp_path: Path) -> None:
    warehouse = _hostile_warehouse(tmp_path / "w.duckdb")
    page = render_html(build_report(warehouse, YEAR))
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    parsed = _tables(page)
    # The text reads as delivered, in the laid-out table and in a mart without a layout.
    reasons = [row[0] for row in parsed.tables["rpt_complaint_reasons"][1:]]
    assert sorted(reasons) == sorted(HOSTILE)
    directorates = [row[1] for row in parsed.tables["rpt_new_measure"][1:]]
    assert sorted(directorates) == sorted(HOSTILE)
    # The delay-reason chart is drawn and holds its labels as escaped SVG text.
    chart = re.search(r"<figure[^>]*>(.*?)</figure>", page, re.S)
    assert chart is not None
    svg = chart.group(1)
    assert svg.startswith("<svg") and "</svg>" in svg
    assert svg.count("<svg") == 1 and svg.count("</svg>") == 1  # the planted </svg> is text
    assert html.escape("<script>alert('reason')</script>", quote=False) in svg


def test_xlsx_has_a_sheet_per_table_numbers_as_numbers_and_no_formulas(
    small_run: Run, report_2023: dict[str, Path], tmp_path: Path
) -> None:
    workbook_path = report_2023["xlsx"]
    workbook = openpyxl.load_workbook(workbook_path)
    report = build_report(small_run.warehouse, YEAR)
    tables = [t for s in [*report.sections, report.quality] for t in s.tables]
    assert workbook.sheetnames[0] == "Contents"
    assert len(workbook.sheetnames) == 1 + len(tables)
    contents = workbook["Contents"]
    listed = [contents.cell(row=r, column=2).value for r in range(6, 6 + len(tables))]
    assert listed == [t.title for t in tables]
    t1 = workbook["Table 1"]
    assert t1["A1"].value == "Table 1: Overview of feedback received"
    assert [c.value for c in t1[4]][:4] == ["2023/24", 8, 2, 1]  # numbers, not text
    assert t1["B7"].value == pytest.approx(5 / 3) and t1["B7"].number_format == "0.0%"
    # Hostile text: kept as text, never a formula (openpyxl would store '=' text as one).
    publish_annual_report(_hostile_warehouse(tmp_path / "w.duckdb"), tmp_path, year=YEAR)
    hostile = openpyxl.load_workbook(tmp_path / "annual_report_2023-24.xlsx")
    cells = [c for sheet in hostile.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert set(HOSTILE) <= {c.value for c in cells}
    with zipfile.ZipFile(tmp_path / "annual_report_2023-24.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not [n for n in sheets if "<f>" in archive.read(n).decode("utf-8")]


def test_public_report_shows_no_count_below_the_threshold(small_run: Run, tmp_path: Path) -> None:
    suppressor = Suppressor(5)
    written = publish_annual_report(small_run.warehouse, tmp_path, suppressor, YEAR)
    report = build_report(small_run.warehouse, YEAR, suppressor)
    shown = 0
    for section in report.sections:
        for table in section.tables:
            for i, row in enumerate(table.rows):
                for j, value in enumerate(row):
                    if table.kind(i, j) != COUNT or isinstance(value, bool):
                        continue
                    if isinstance(value, str) and re.fullmatch(r"\d+", value):
                        value = int(value)  # suppressed marts hold counts as text
                    if isinstance(value, int | float):
                        shown += 1
                        assert not 0 < value < 5, (table.table_id, row)
    assert shown > 0  # zeros and counts of 5 or more are shown
    page = Path(written["html"]).read_text(encoding="utf-8")
    parsed = _tables(page)
    t1 = parsed.tables["rpt_feedback_overview"]
    # 8 stage 1 complaints are shown; 3 last year, and the difference made from it, are not.
    assert (t1[1][1], t1[2][1]) == ("8", "<5")
    assert t1[3][1] == "\u2013"
    assert "rpt_lgsco_log_reconciliation" not in parsed.tables  # excluded from public outputs
    assert "Counts below 5 are shown as &lt;5" in page
    workbook = openpyxl.load_workbook(written["xlsx"])
    values = [
        c.value for s in workbook.worksheets[1:] for row in s.iter_rows(min_row=4) for c in row
    ]
    assert "<5" in values
    assert 8 in values  # a count shown is a number in the workbook


def _launch_chromium():
    """Playwright driving Debian's Chromium, or a skip (a failure when the browser test is
    required)."""
    required = os.environ.get(ENV_REQUIRE_BROWSER) == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        if required:
            pytest.fail(f"{ENV_REQUIRE_BROWSER}=1 but Playwright is not installed: {exc}")
        pytest.skip(f"Playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"{ENV_REQUIRE_BROWSER}=1 but {CHROMIUM} is missing (apt install chromium)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser test")
    return sync_playwright


def test_report_loads_in_headless_chromium_offline_with_every_table_and_chart(
    report_2023: dict[str, Path], tmp_path: Path
) -> None:
    sync_playwright = _launch_chromium()
    page_path = tmp_path / "annual_report.html"
    shutil.copyfile(report_2023["html"], page_path)  # alone in a folder: nothing beside it
    expected_tables = set(_tables(page_path.read_text(encoding="utf-8")).tables)
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")
            shown_tables = set(
                page.eval_on_selector_all("section.report-table", "els => els.map(e => e.id)")
            )
            rows = page.eval_on_selector_all(
                "section.report-table table",
                "els => els.map(e => [e.closest('section').id, e.rows.length])",
            )
            charts = page.eval_on_selector_all(
                "figure.chart svg",
                "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return [e.closest('section').id, r.width, r.height,"
                " e.querySelectorAll('path, rect, text').length]; })",
            )
            title = page.title()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "annual_report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_path.as_uri()]  # the page alone: no other file, no network
    assert title == f"Kent County Council: Compliments, comments and complaints {YEAR}"
    assert shown_tables == expected_tables
    assert {"rpt_feedback_overview", "rpt_timeliness", "rpt_lgsco_decisions"} <= shown_tables
    assert all(count >= 2 for _, count in rows), rows  # a header row and at least one row
    # The charts the fixture's data allows, each drawn with a real size and marks.
    charted = {section for section, *_ in charts}
    assert {"rpt_channels", "rpt_monthly_trend", "rpt_backlog"} <= charted, charted
    assert all(w > 200 and h > 100 and marks > 5 for _, w, h, marks in charts), charts
    assert (ARTIFACTS / "annual_report.png").stat().st_size > 10_000
