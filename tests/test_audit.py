"""The published-report audit (expectations/audit.py): every rule fails and passes on small
hand-made published files, Kent's 2023/24 report gives its known findings (pinned), and a
report printed from the fixture warehouse is compared with that warehouse."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support import FIXTURES, SMALL_DELIVERY

from expectations.audit import (
    FINDING_COLUMNS,
    Finding,
    audit_published,
    parse_printed,
    unmapped_cells,
    write_findings,
)

KENT = Path(__file__).resolve().parents[2] / "shared/reference/kcc_2023_24/published_cells.csv"
FIXTURE_REPORT = FIXTURES / "audit" / "fixture_report_2023_24.csv"

ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
GET = "Growth, Environment and Transport"
CED = "Chief Executive and Deputy Chief Executive Departments"


def audit_rows(tmp_path: Path, rows: list[tuple[str, str, str, str]], **kwargs) -> list[Finding]:
    path = tmp_path / "published.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["table", "row", "column", "published"])
        writer.writerows(rows)
    return audit_published(path, **kwargs)


def rules(findings: list[Finding]) -> list[tuple[str, str, str, str, str, str]]:
    """Findings with the rule's name only (its explanation may be reworded)."""
    return [(*f.as_tuple()[:5], f.rule.split(":")[0]) for f in findings]


def t2(year: str, asch, cype, get, ced, total) -> list[tuple[str, str, str, str]]:
    cells = zip((ASCH, CYPE, GET, CED, "Total"), (asch, cype, get, ced, total), strict=True)
    return [("T2", year, column, str(value)) for column, value in cells]


# --- reading printed values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "lo", "hi"),
    [
        ("63%", "percent", 0.625, 0.635),
        ("-1%", "percent", -0.015, -0.005),
        ("+558%", "percent", 5.575, 5.585),
        ("12.5%", "percent", 0.1245, 0.1255),
        ("<1%", "percent", 0.0, 0.01),
        (">1%", "percent", 0.01, float("inf")),
        ("5537", "number", 5537, 5537),
        ("0*", "number", 0, 0),
        ("200746.07", "number", 200746.07, 200746.07),
        ("£1,000", "number", 1000, 1000),
    ],
)
def test_printed_values_are_intervals_at_their_precision(text, kind, lo, hi) -> None:
    printed = parse_printed(text)
    assert printed.kind == kind
    assert printed.lo == pytest.approx(lo) and printed.hi == pytest.approx(hi)


def test_na_is_missing_and_merged_cells_are_unreadable() -> None:
    assert parse_printed("n/a").kind == "missing" and parse_printed("-").kind == "missing"
    merged = parse_printed("281 188")
    assert merged.kind == "unreadable" and "2 numbers in one cell" in merged.problem
    assert parse_printed("").kind == "unreadable"


# --- each rule fails and passes -----------------------------------------------------------


def test_total_of_parts(tmp_path: Path) -> None:
    assert audit_rows(tmp_path, t2("2023/24", 1, 2, 3, 4, 10)) == []
    findings = audit_rows(tmp_path, t2("2023/24", 1, 2, 3, 4, 11))
    assert rules(findings) == [("T2", "2023/24", "Total", "11", "10", "total_of_parts")]
    assert "(1 + 2 + 3 + 4)" in findings[0].rule


def test_difference_and_pct_difference(tmp_path: Path) -> None:
    rows = t2("2023/24", 2, 2, 2, 2, 8) + t2("2022/23", 1, 1, 1, 1, 4)
    good = [*rows, ("T2", "Difference", "Total", "4"), ("T2", "% difference", "Total", "100%")]
    assert audit_rows(tmp_path, good) == []
    bad = [*rows, ("T2", "Difference", "Total", "-4"), ("T2", "% difference", "Total", "99%")]
    assert rules(audit_rows(tmp_path, bad)) == [
        ("T2", "Difference", "Total", "-4", "4", "difference"),
        ("T2", "% difference", "Total", "99%", "100.0%", "pct_difference"),
    ]


def test_same_figure_in_two_tables(tmp_path: Path) -> None:
    rows = [
        *t2("2023/24", 1, 2, 3, 224, 230),
        ("AppA-summary", "Strategic and Corporate Services 2023/24", "Complaints (Stage One)"),
    ]
    assert audit_rows(tmp_path, [(*rows[-1], "224"), *rows[:-1]]) == []
    findings = audit_rows(tmp_path, [*rows[:-1], (*rows[-1], "173")])
    assert rules(findings) == [
        (
            "AppA-summary",
            "Strategic and Corporate Services 2023/24",
            "Complaints (Stage One)",
            "173",
            "224",
            "same_figure",
        )
    ]
    assert f"T2 2023/24 / {CED}" in findings[0].rule


def test_total_of_parts_printed_in_another_table(tmp_path: Path) -> None:
    t11 = [("T11", "2023/24", "Workload", "10"), ("T11", "2023/24", "Sign off delay", "5")]
    t12 = [
        ("T12", f"{name} 2023/24", "Workload", str(n))
        for name, n in (("Adults Social Care and Health", 1), (CYPE, 2), (GET, 3), (CED, 4))
    ] + [("T12", "Adults Social Care and Health 2023/24", "Sign off delay", "3")]
    assert audit_rows(tmp_path, t11 + t12) == []
    # Every directorate prints Workload: T11 must equal their sum. Sign off delay is only in
    # one directorate's top three: T11 is at least that.
    bad = [("T11", "2023/24", "Workload", "11"), ("T11", "2023/24", "Sign off delay", "2")]
    assert rules(audit_rows(tmp_path, bad + t12)) == [
        ("T11", "2023/24", "Workload", "11", "10", "total_of_other_table"),
        ("T11", "2023/24", "Sign off delay", "2", ">= 3", "total_of_other_table"),
    ]


def test_shares_of_a_printed_whole(tmp_path: Path) -> None:
    rows = [
        ("T14", "Goodwill", "Volume", "30"),
        ("T14", "Refund", "Volume", "108"),
        ("T14", "Total", "Volume", "138"),
        ("T14", "Refund", "%", "78%"),
    ]
    assert audit_rows(tmp_path, [*rows, ("T14", "Goodwill", "%", "22%")]) == []
    findings = audit_rows(tmp_path, [*rows, ("T14", "Goodwill", "%", "23%")])
    assert rules(findings) == [("T14", "Goodwill", "%", "23%", "21.7%", "share")]
    assert "30 / 138" in findings[0].rule


def test_shares_of_a_whole_known_only_by_its_printed_parts(tmp_path: Path) -> None:
    # Table 6 prints three of the five outcomes: the whole is at least their sum (315), so
    # 182 can be at most 57.8% of it; 59% cannot be right, 56% can.
    counts = [
        ("T6", "2022/23", "Not upheld", "182"),
        ("T6", "2022/23", "Upheld", "87"),
        ("T6", "2022/23", "Partly upheld", "46"),
        ("T6", "2022/23 %", "Upheld", "27%"),
        ("T6", "2022/23 %", "Partly upheld", "14%"),
    ]
    assert audit_rows(tmp_path, [*counts, ("T6", "2022/23 %", "Not upheld", "56%")]) == []
    assert rules(audit_rows(tmp_path, [*counts, ("T6", "2022/23 %", "Not upheld", "59%")])) == [
        ("T6", "2022/23 %", "Not upheld", "59%", "<= 57.8%", "share")
    ]


def test_below_one_percent(tmp_path: Path) -> None:
    rows = [("T13", "2023/24 Volume", "Phone", "995"), ("T13", "2023/24 Volume", "Other", "5")]
    assert audit_rows(tmp_path, [*rows, ("T13", "2023/24 %", "Other", "<1%")]) == []
    assert rules(audit_rows(tmp_path, [*rows, ("T13", "2023/24 %", "Other", ">1%")])) == [
        ("T13", "2023/24 %", "Other", ">1%", "0.5%", "share")
    ]


def test_at_least_and_at_most(tmp_path: Path) -> None:
    rows = [("T1", "2022/23", "Complaints (Stage 1)", "5580")]
    assert audit_rows(tmp_path, [*rows, ("T8", "Total", "2022/23 Total", "5600")]) == []
    assert rules(audit_rows(tmp_path, [*rows, ("T8", "Total", "2022/23 Total", "5385")])) == [
        ("T8", "Total", "2022/23 Total", "5385", ">= 5580", "at_least")
    ]
    paid = [("6.1", "2023/24", "Total paid or waived", "100.00")]
    assert (
        audit_rows(tmp_path, [*paid, ("6.1", "2023/24", "Following LGSCO decisions", "99")]) == []
    )
    assert rules(
        audit_rows(tmp_path, [*paid, ("6.1", "2023/24", "Following LGSCO decisions", "101")])
    ) == [("6.1", "2023/24", "Following LGSCO decisions", "101", "<= 100", "at_most")]


def test_a_merged_cell_is_found(tmp_path: Path) -> None:
    """Table 9's Quality of service row as printed in Kent's report: '281 188' in one cell
    and the next one empty."""
    row = "Quality of service"
    cells = [
        ("Adults Social Care Services & Health", "79"),
        ("Children Young People & Education", "281 188"),
        ("Growth Environment & Transport", ""),
        ("Strategic & Corporate Services", "17"),
        ("Total", "565"),
    ]
    findings = audit_rows(tmp_path, [("T9", row, column, value) for column, value in cells])
    assert [(f.column, f.published, f.rule.split(":")[0]) for f in findings] == [
        ("Children Young People & Education", "281 188", "unreadable_cell"),
        ("Growth Environment & Transport", "", "unreadable_cell"),
    ]
    assert "merged or missing cell" in findings[0].rule


# --- Kent's published 2023/24 report -----------------------------------------------------

KENT_FINDINGS = [
    ("T1", "2023/24", "Complaints (Stage 1)", "5537", "5486", "total_of_other_table"),
    ("T1", "2023/24", "Comment", "1797", "1768", "total_of_other_table"),
    ("T1", "2023/24", "Compliments", "1324", "1318", "total_of_other_table"),
    ("T1", "2022/23", "Complaints (Stage 1)", "5580", "5567", "total_of_other_table"),
    ("T1", "2022/23", "Compliments", "1162", "1098", "total_of_other_table"),
    ("T1", "Difference", "Complaints (Stage 1)", "43", "-43", "difference"),
    ("T2", "Difference", "Total", "-94", "-43", "difference"),
    ("T2", "Difference", "Total", "-94", "-43", "total_of_parts"),
    ("T2", "% difference", "Total", "-2%", "-0.8%", "pct_difference"),
    ("T4", "Total for 2023/24", "Complaint", "5446", "5445", "total_of_other_table"),
    ("T4", "Total for 2022/23", "Total", "6662", "6683", "total_of_parts"),
    ("T4", "Difference", "Complaint", "219", "198", "difference"),
    ("T6", "2022/23 %", "Not upheld", "59%", "<= 57.8%", "share"),
    ("T8", "Total", "2022/23 Total", "5385", ">= 5580", "at_least"),
    ("T11", "2023/24", "Workload", "1701", "1698", "total_of_other_table"),
    ("T11", "2022/23", "Workload", "795", "797", "total_of_other_table"),
    ("T11", "% of total complaints closed", "Workload", "31%", "<= 29.0%", "share"),
    ("T11", "% of total complaints closed", "Complex case", "3%", "<= 2.4%", "share"),
    ("T12", "Children Young People and Education %", "Workload", "59%", "<= 58.1%", "share"),
    ("T12", "Growth Environment and Transport %", "Complex Case", ">1%", "0.6%", "share"),
    ("T13", "2023/24 %", "Other", "1%", "0.4%", "share"),
    ("T18", "Total", "Upheld", "56", "55", "total_of_parts"),
    ("T18", "Total", "Total", "182", "181", "total_of_parts"),
    (
        "AppA-summary",
        "Children, Young People and Education 2023/24",
        "LGSCO enquiries & complaints",
        "186",
        "182",
        "same_figure",
    ),
    (
        "AppA-summary",
        "Growth, Environment and Transport 2023/24",
        "LGSCO enquiries & complaints",
        "33",
        "32",
        "same_figure",
    ),
    (
        "AppA-summary",
        "Adult Social Care and Health 2023/24",
        "LGSCO enquiries & complaints",
        "75",
        "65",
        "same_figure",
    ),
    (
        "AppA-summary",
        "Strategic and Corporate Services 2023/24",
        "Complaints (Stage One)",
        "173",
        "224",
        "same_figure",
    ),
    (
        "AppA-summary",
        "Strategic and Corporate Services 2023/24",
        "LGSCO enquiries & complaints",
        "7",
        "6",
        "same_figure",
    ),
    ("AppA-service", "CYPE Total Complaints", "2023/24", "1164", "1165", "total_of_parts"),
    ("AppA-service", "SCS Total Complaints", "2022/23", "138", "151", "same_figure"),
    ("AppA-service", "SCS Total Complaints", "2023/24", "173", "224", "same_figure"),
]


@pytest.fixture(scope="module")
def kent() -> Path:
    if not KENT.is_file():
        pytest.skip(f"Kent's published cells are not at {KENT}")
    return KENT


def test_every_cell_of_kents_report_is_mapped(kent: Path) -> None:
    assert unmapped_cells(kent) == []


def test_kents_report_findings_are_pinned(kent: Path, tmp_path: Path) -> None:
    findings = audit_published(kent)
    assert rules(findings) == KENT_FINDINGS
    out = tmp_path / "findings.csv"
    write_findings(findings, out)
    with out.open(newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert tuple(written[0]) == FINDING_COLUMNS
    assert [tuple(r) for r in written[1:]] == [f.as_tuple() for f in findings]


# --- printed vs computed -------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.dbt_build import run_dbt
    from flows.settings import Settings
    from ingest.landing import land_delivery
    from ingest.mapping import load_mapping
    from ingest.run import ingest_pending

    tmp = tmp_path_factory.mktemp("audit")
    landing_dir = tmp / "landing"
    land_delivery(SMALL_DELIVERY, landing_dir, "test")
    ingest_pending(landing_dir, load_mapping())
    settings = Settings(landing_dir=landing_dir, warehouse=tmp / "w.duckdb", reports_dir=tmp / "r")
    paths = ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    # dbt's data tests run in the end-to-end tests; these tests need the relations.
    skip_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    summary = run_dbt(settings, "build", [*paths, *skip_tests])
    assert summary.success, summary.failures
    return settings.warehouse


def test_printed_vs_warehouse(warehouse: Path) -> None:
    """A report printed from the fixture warehouse, with six figures changed: one breaks the
    report's own consistency (Appendix A's GET compliments no longer add up to T1), one is
    wrong in both ways (the digital share), the others only differ from the warehouse."""
    assert unmapped_cells(FIXTURE_REPORT) == []
    own = [
        ("T1", "2023/24", "Compliments", "1", "2", "total_of_other_table"),
        ("T13", "2023/24", "Digital share (email + online)", "60%", "56.2%", "share"),
    ]
    assert rules(audit_published(FIXTURE_REPORT)) == own
    findings = audit_published(FIXTURE_REPORT, warehouse)
    assert rules(findings) == [
        own[0],
        ("T7", "2023/24", "Representation", "2", "1", "printed_vs_warehouse"),
        ("4.1", "2023/24", "Responded within corporate timescale", "70%", "77.8%",
         "printed_vs_warehouse"),
        ("T13", "2023/24", "Digital share (email + online)", "60%", "56.2%",
         "printed_vs_warehouse"),
        own[1],
        ("6.1", "2023/24", "Following LGSCO decisions", "1000.00", "1250.50",
         "printed_vs_warehouse"),
        ("T22", "Formal apology", "Stage 1", "3", "2", "printed_vs_warehouse"),
        ("AppA-summary", "Growth, Environment and Transport 2023/24", "Compliments", "2", "1",
         "printed_vs_warehouse"),
    ]  # fmt: skip
    t22 = next(f for f in findings if f.table == "T22")
    assert t22.rule == (
        "printed_vs_warehouse: report.rpt_remedy_actions.complaints"
        " where financial_year = 2023/24, stage = 1, action = Formal apology"
    )


def test_years_the_warehouse_does_not_cover_are_not_compared(
    warehouse: Path, tmp_path: Path
) -> None:
    rows = [("T2", "2019/20", "Total", "999")]
    assert audit_rows(tmp_path, rows, warehouse=warehouse) == []
    assert rules(
        audit_rows(tmp_path, [("T2", "2023/24", "Total", "999")], warehouse=warehouse)
    ) == [("T2", "2023/24", "Total", "999", "8", "printed_vs_warehouse")]
