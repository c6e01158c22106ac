"""Every published cell of Kent County Council's Annual Customer Feedback Report 2023/24
(`shared/reference/kcc_2023_24/published_cells.csv`, copied to `demo/published_cells.csv`)
against the marts built on the demo generator's data (scale 1, default seed).

A cell passes when the mart gives the printed figure: counts exactly, money to the penny,
percentages equal after rounding to the printed precision ("<1%", "n/a" as printed). The
report's own arithmetic and consistency errors are listed, with the reason in words, in
`demo/published_deviations.csv`; any other difference fails. The Ombudsman's figures
(Tables 16 and 17, section 9, Table 1's LGSCO column) come from the demo's snapshot of the
LGSCO's site (`demo/lgsco_snapshot`): its statistics and the decisions harvested from it are
landed before the build as a run would land them. Tables 18-21 are the council's own log.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "demo" / "published_cells.csv"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference" / "kcc_2023_24" / "published_cells.csv"
DEVIATIONS = ROOT / "demo" / "published_deviations.csv"

Y, PY = "2023/24", "2022/23"
ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
GET = "Growth, Environment and Transport"
CED = "Chief Executive and Deputy Chief Executive Departments"

# Tables still waiting for their LGSCO marts to be compared (nothing else may wait).
AWAITING_LGSCO_MARTS: frozenset[str] = frozenset()
AWAITING_COLUMNS: frozenset[tuple[str, str]] = frozenset()

# ---------------------------------------------------------------- published labels

DIRECTORATE = {  # every spelling the report uses, to the canonical name of the marts
    "Adult Social Care and Health": ASCH,
    "Adults Social Care and Health": ASCH,
    "Adults Social Care Services & Health": ASCH,
    "Children, Young People and Education": CYPE,
    "Children Young People and Education": CYPE,
    "Children Young People & Education": CYPE,
    "Growth, Environment and Transport": GET,
    "Growth Environment and Transport": GET,
    "Growth Environment & Transport": GET,
    "Chief Executive and Deputy Chief Executive Departments": CED,
    "Strategic and Corporate Services": CED,
    "Strategic & Corporate Services": CED,
    "Total": "Total",
}
OUTCOME = {
    "Not upheld": "not_upheld",
    "Upheld": "upheld",
    "Partly upheld": "partly_upheld",
    "Resolved upon receipt": "resolved_upon_receipt",
    "Withdrawn": "withdrawn",
}
REASON = {  # Tables 8 and 9 to the reasons recorded on cases
    "Quality of service": "Quality of service",
    "Communications": "Communications",
    "Communications or Information": "Communications",
    "Policy and Procedure": "Policy and procedure",
    "Policy and procedure": "Policy and procedure",
    "Service not provided": "Service not provided",
    "Staff Conduct": "Staff conduct",
    "Staff Conduct cause": "Staff conduct",
    "Equalities and regulatory": "Equalities and regulatory",
    "Equalities & regulatory": "Equalities and regulatory",
    "Not for KCC": "Not for the council",
    "Value for money": "Value for money",
    "Comment/Enquiry use only": "Comment/Enquiry use only",
    "Blank": "Blank",
    "Issues with service": "Issues with service",
    "Impact of major incident": "Impact of major incident",
    "Service failure": "Service failure",
    "Total": "Total",
}
FEEDBACK_TYPE = {
    "Member/MP enquiry": "member_enquiry",
    "Enquiry (includes Ask a Kent Librarian)": "enquiry",
    "Representation": "representation",
    "Informal concern": "informal_concern",
    "SEN Enquiries": "sen_enquiry",
}
OVERVIEW_MEASURE = {
    "Complaints (Stage 1)": "stage1_complaints",
    "Comment": "comments",
    "Compliments": "compliments",
    "LGSCO complaints": "lgsco_decisions",  # Table 17's total
}
CLOSED_TYPE = {"Comment": "comment", "Complaint": "complaint", "Compliment": "compliment"}
CLOSED_TYPE["Total"] = "Total"
DELAY_REASON = {
    "Workload": "Workload",
    "Complex case": "Complex case",
    "Complex Case": "Complex case",
    "Sign off delay": "Sign off delay",
    "Staff absent or unavailable": "Staff absent or unavailable",
    "More information required from customer": "More information required from customer",
}
CHANNEL = {
    "Phone": "phone",
    "Letter": "letter",
    "Email": "email",
    "Comment card/ Face to Face": "face_to_face",
    "Online": "online_form",
    "Contact via Corporate Director, Member or MP": "via_member_or_director",
    "Govmetric": "web_survey",
    "Other": "other",
}
PAYMENT_REASON = {
    "Goodwill": "Goodwill",
    "Waiver fee": "Waiver fee",
    "Distress and Uncertainty": "Distress and uncertainty",
    "Reimbursement": "Reimbursement",
    "Financial redress": "Financial redress",
    "Refund": "Refund",
    "Time and Trouble": "Time and trouble",
    "Other": "Other",
    "Cost of Service Supplied": "Cost of service supplied",
    "Legal costs": "Legal costs",
    "Total": "Total",
}
MEMBER_CONDUCT = {
    "No Action or resolved upon receipt. Dismissed by the Monitoring Officer": (
        "no_action",
        "resolved_upon_receipt",
        "dismissed",
    ),
    "Action taken by party": ("action_taken_by_party",),
}
SUMMARY_MEASURE = {
    "Complaints (Stage One)": "stage1_complaints",
    "Comments": "comments",
    "Compliments": "compliments",
    "LGSCO enquiries & complaints": "lgsco_cases",
}
SERVICE = {  # Appendix A by service: (directorate, canonical service)
    "Integrated Children's Services (Was Specialist Children Service/Children's Social Work"
    " Services)": (CYPE, "Integrated Children's Services"),
    "Education (includes Community Learning & Skills) (Was Education Services)": (
        CYPE,
        "Education",
    ),
    "SEN & Disabled Children's Services": (CYPE, "SEN & Disabled Children's Services"),
    "Corporate Directors Office (includes The Education People)": (
        CYPE,
        "Corporate Directors Office",
    ),
    "CYPE Total Complaints": (CYPE, "Total"),
    "Environment (was Environment Planning and Enforcement)": (GET, "Environment"),
    "Growth & Communities (was Economic Development)": (GET, "Growth & Communities"),
    "Highways and Transportation": (GET, "Highways and Transportation"),
    "Waste": (GET, "Waste"),
    "Libraries, Registrations and Archives": (GET, "Libraries, Registrations and Archives"),
    "GET Corporate Directors Office": (GET, "GET Corporate Directors Office"),
    "GET Total Complaints": (GET, "Total"),
    "Adult Social Care and Health": (ASCH, ASCH),
    "ASCH Total Complaints": (ASCH, "Total"),
    "Finance (includes Insurance)": (CED, "Finance"),
    "Governance, Law and Democracy (was FOI)": (CED, "Governance, Law and Democracy"),
    "Marketing and Resident Experience": (CED, "Marketing and Resident Experience"),
    "Strategy, Policy, Relationships and Corporate Assurance": (
        CED,
        "Strategy, Policy, Relationships and Corporate Assurance",
    ),
    "Infrastructure": (CED, "Infrastructure"),
    "Strategic Commissioning (includes Public Health)": (CED, "Strategic Commissioning"),
    "Other including HR": (CED, "Other including HR"),
    "SCS Total Complaints": (CED, "Total"),
}

# ---------------------------------------------------------------- printed values


@dataclass(frozen=True)
class Printed:
    """A published figure and the precision it was printed with."""

    text: str
    kind: str  # count, money, percent, under_1, over_1, none
    value: Decimal | None = None
    signed: bool = False

    @classmethod
    def parse(cls, text: str, table: str) -> Printed:
        t = text.strip()
        if t in ("n/a", "-", ""):
            return cls(t, "none")
        if t == "<1%":
            return cls(t, "under_1")
        if t == ">1%":
            return cls(t, "over_1")
        if t.endswith("%"):
            return cls(t, "percent", Decimal(t[:-1].lstrip("+")), t.startswith("+"))
        number = Decimal(t.replace("£", "").replace(",", ""))
        return cls(t, "money" if table == "6.1" else "count", number)

    def matches(self, actual: Any) -> bool:
        if self.kind == "none":
            return actual is None or actual == 0
        if actual is None:
            return False
        if self.kind == "count":
            return Decimal(actual) == self.value
        if self.kind == "money":
            return Decimal(actual).quantize(Decimal("0.01")) == self.value
        if self.kind == "under_1":
            return 0 < actual < 0.01
        if self.kind == "over_1":
            return actual > 0.01
        return percent(actual) == self.value

    def render(self, actual: Any) -> str:
        """The pipeline's value printed the way this cell is printed."""
        if actual is None:
            return "n/a"
        if self.kind in ("count", "none"):
            return str(int(actual)) if float(actual) == int(actual) else str(actual)
        if self.kind == "money":
            return f"{Decimal(actual).quantize(Decimal('0.01'))}"
        if self.kind in ("under_1", "over_1") and 0 < actual < 0.01:
            return "<1%"
        value = percent(actual)
        return f"{'+' if self.signed and value > 0 else ''}{value}%"


def percent(fraction: float) -> Decimal:
    """A fraction as a whole percentage, rounded half away from zero as people round."""
    return (Decimal(repr(fraction)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- the marts, read once


class Marts:
    """The report marts the published tables come from, keyed for lookups."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def one(self, sql: str, params: list[Any]) -> Any:
        rows = self.con.execute(sql, params).fetchall()
        if len(rows) > 1:
            raise AssertionError(f"more than one row for {params}: {sql}")
        return rows[0][0] if rows else None

    def value(self, mart: str, column: str, **key: Any) -> Any:
        where = " and ".join(f"{k} = ?" for k in key)
        return self.one(f"select {column} from report.{mart} where {where}", list(key.values()))


def year_of(label: str) -> str:
    match = re.search(r"\d{4}/\d{2}", label)
    assert match, f"no financial year in {label!r}"
    return match.group(0)


def received_by_directorate(mart: str) -> Callable[[Marts, str, str], Any]:
    def lookup(m: Marts, row: str, column: str) -> Any:
        directorate = DIRECTORATE[column]
        if row in ("Difference", "% difference"):
            measure = "difference" if row == "Difference" else "pct_difference"
            return m.value(mart, measure, financial_year=Y, directorate=directorate)
        return m.value(
            mart, "complaints_received", financial_year=year_of(row), directorate=directorate
        )

    return lookup


def t1(m: Marts, row: str, column: str) -> Any:
    measure = OVERVIEW_MEASURE[column]
    if row in ("Difference", "% difference"):
        name = "difference" if row == "Difference" else "pct_difference"
        return m.value("rpt_feedback_overview", name, financial_year=Y, measure=measure)
    return m.value("rpt_feedback_overview", "value", financial_year=year_of(row), measure=measure)


def t4(m: Marts, row: str, column: str) -> Any:
    key = {"feedback_type": CLOSED_TYPE[column]}
    mart = "rpt_closed_by_directorate_type"
    if row in ("Difference", "% Difference"):
        name = "difference" if row == "Difference" else "pct_difference"
        return m.value(mart, name, financial_year=Y, directorate="Total", **key)
    if row.startswith("Total for "):
        return m.value(
            mart, "cases_closed", financial_year=year_of(row), directorate="Total", **key
        )
    return m.value(mart, "cases_closed", financial_year=Y, directorate=DIRECTORATE[row], **key)


def outcomes(mart: str) -> Callable[[Marts, str, str], Any]:
    def lookup(m: Marts, row: str, column: str) -> Any:
        name = "share_of_closed" if row.endswith("%") else "complaints_closed"
        return m.value(mart, name, financial_year=year_of(row), outcome=OUTCOME[column])

    return lookup


def escalation(m: Marts, row: str, column: str) -> Any:
    name = {
        "Stage 2 upheld or partly upheld that were upheld or partly upheld at stage 1": (
            "already_upheld_at_stage1"
        ),
        "Stage 1 decisions overturned at stage 2": "stage1_overturned",
    }[column]
    return m.value("rpt_stage2_escalation_analysis", name, financial_year=year_of(row))


def t7(m: Marts, row: str, column: str) -> Any:
    kind = FEEDBACK_TYPE[column]
    mart = "rpt_other_feedback_volumes"
    if row == "Difference":
        return m.value(mart, "difference", financial_year=Y, feedback_type=kind)
    return m.value(mart, "received", financial_year=year_of(row), feedback_type=kind)


def t8(m: Marts, row: str, column: str) -> Any:
    name = "share" if column.endswith("%") else "reasons_recorded"
    return m.value(
        "rpt_complaint_reasons", name, financial_year=year_of(column), reason=REASON[row]
    )


def t9(m: Marts, row: str, column: str) -> Any:
    mart = "rpt_upheld_reasons_by_directorate"
    if row == "%":  # a directorate's share of all upheld complaints
        return m.value(
            mart,
            "share_of_total",
            financial_year=Y,
            reason="Total",
            directorate=DIRECTORATE[column],
        )
    if column == "%":  # a reason's share
        return m.value(
            mart, "share_of_total", financial_year=Y, reason=REASON[row], directorate="Total"
        )
    return m.value(
        mart,
        "upheld_complaints",
        financial_year=Y,
        reason=REASON[row],
        directorate=DIRECTORATE[column],
    )


def timeliness(m: Marts, row: str, column: str) -> Any:
    assert column == "Responded within corporate timescale"
    key = {"directorate": "Total", "stage": "all", "procedure": "all"}
    if row == "KPI":
        return m.value("rpt_timeliness", "kpi_target", financial_year=Y, **key)
    return m.value("rpt_timeliness", "pct_on_time", financial_year=year_of(row), **key)


def t11(m: Marts, row: str, column: str) -> Any:
    reason = DELAY_REASON[column]
    if row == "% of total complaints closed":
        return m.value(
            "rpt_delay_reasons", "share_of_closed", financial_year=Y, delay_reason=reason
        )
    return m.value(
        "rpt_delay_reasons", "late_complaints", financial_year=year_of(row), delay_reason=reason
    )


def t12(m: Marts, row: str, column: str) -> Any:
    label, _, when = row.rpartition(" ")
    key = {"directorate": DIRECTORATE[label], "delay_reason": DELAY_REASON[column]}
    mart = "rpt_delay_reasons_by_directorate"
    if when == "%":
        return m.value(mart, "share_of_closed", financial_year=Y, **key)
    return m.value(mart, "late_complaints", financial_year=when, **key)


def t13(m: Marts, row: str, column: str) -> Any:
    if column == "Digital share (email + online)":
        return m.value(
            "rpt_channels", "digital_share", financial_year=year_of(row), channel="email"
        )
    name = "share" if row.endswith("%") else "received"
    return m.value("rpt_channels", name, financial_year=year_of(row), channel=CHANNEL[column])


def compensation(m: Marts, row: str, column: str) -> Any:
    mart = "rpt_compensation_by_directorate"
    if row == "Difference":
        assert column == "Total paid or waived"
        return m.value(mart, "difference_gbp", financial_year=Y, directorate="Total")
    if column == "Following LGSCO decisions":
        return m.value(
            mart, "following_lgsco_gbp", financial_year=year_of(row), directorate="Total"
        )
    directorate = "Total" if column == "Total paid or waived" else DIRECTORATE[column]
    return m.value(mart, "amount_gbp", financial_year=year_of(row), directorate=directorate)


def t14(m: Marts, row: str, column: str) -> Any:
    name = {"Volume": "payments", "%": "share_of_payments"}[column]
    return m.value(
        "rpt_compensation_reasons", name, financial_year=Y, payment_reason=PAYMENT_REASON[row]
    )


def t15(m: Marts, row: str, column: str) -> Any:
    wanted = MEMBER_CONDUCT[row]
    marks = ", ".join("?" for _ in wanted)
    return m.one(
        "select sum(complaints) from report.rpt_member_conduct_complaints"
        f" where financial_year = ? and outcome in ({marks})",
        [year_of(column), *wanted],
    )


LGSCO_DECISION = {  # Table 17's columns to rpt_lgsco_decisions.decision_category
    "Upheld": "upheld",
    "Not upheld": "not_upheld",
    "Advice given": "advice_given",
    "Closed after initial enquiries": "closed_after_initial_enquiries",
    "Incomplete / Invalid": "incomplete_or_invalid",
    "Referred back for local resolution": "referred_back_for_local_resolution",
    "Total": "Total",
}
LGSCO_BENCHMARK = {  # section 9's rates to rpt_lgsco_benchmark (the council's row)
    "National average uphold rate": "national_avg_uphold_rate",
    "County councils average uphold rate": "similar_avg_uphold_rate",
    "Council uphold rate": "uphold_rate",
    "Satisfactory remedy provided by council": "satisfactory_remedy_rate",
    "Similar authorities satisfactory remedy": "similar_avg_satisfactory_remedy_rate",
    "Compliance with recommendations": "compliance_rate",
}


def t16(m: Marts, row: str, column: str) -> Any:
    return m.value(
        "rpt_lgsco_received_by_category",
        "complaints_received",
        financial_year=year_of(row),
        lgsco_category=column,
    )


def t17(m: Marts, row: str, column: str) -> Any:
    return m.value(
        "rpt_lgsco_decisions",
        "decisions",
        financial_year=year_of(row),
        decision_category=LGSCO_DECISION[column],
    )


def section9(m: Marts, row: str, column: str) -> Any:
    year = year_of(row)
    if column == "LGSCO decisions received":
        return t17(m, row, "Total")
    if column in LGSCO_DECISION:
        return t17(m, row, column)
    if column == "Education and Children's Services cases":
        return t16(m, row, "Education and children's services")
    return m.value(
        "rpt_lgsco_benchmark", LGSCO_BENCHMARK[column], financial_year=year, is_this_council=True
    )


LGSCO_LOG_TABLES = {"T18": CYPE, "T19": GET, "T20": CED, "T21": ASCH}
LOG_OUTCOME = {
    "Upheld": "upheld",
    "Not upheld": "not_upheld",
    "Closed": "closed",
    "Premature": "premature",
    "Total": "Total",
}
LOG_SERVICE = {  # Tables 18-21's service labels to the services of the marts (org_units seed)
    "Children Social Work Services": "Integrated Children's Services",
    "Special Educational Needs": "SEN & Disabled Children's Services",
    "Community Learning and Skills": "Education",
    "The Education People": "Corporate Directors Office",
    "Highways & Transportation": "Highways and Transportation",
    "Growth and Communities (inc LRA)": "Growth & Communities",
}


def lgsco_log(table: str) -> Callable[[Marts, str, str], Any]:
    def lookup(m: Marts, row: str, column: str) -> Any:
        cases = m.value(
            "rpt_lgsco_outcomes_by_service",
            "cases",
            financial_year=Y,
            directorate=LGSCO_LOG_TABLES[table],
            service=LOG_SERVICE.get(row, row),
            council_outcome=LOG_OUTCOME[column],
        )
        return cases or 0  # the mart has rows only for outcomes that occur

    return lookup


def t22(m: Marts, row: str, column: str) -> Any:
    assert column == "Stage 1"
    return m.value("rpt_remedy_actions", "complaints", financial_year=Y, stage=1, action=row)


def summary(m: Marts, row: str, column: str) -> Any:
    label = row[: -len(" 2023/24")]
    return m.value(
        "rpt_directorate_feedback_summary",
        SUMMARY_MEASURE[column],
        financial_year=year_of(row),
        directorate=DIRECTORATE[label],
    )


def by_service(m: Marts, row: str, column: str) -> Any:
    directorate, service = SERVICE[row]
    return m.value(
        "rpt_complaints_by_service",
        "complaints_received",
        financial_year=year_of(column),
        directorate=directorate,
        service=service,
    )


TABLES: dict[str, Callable[[Marts, str, str], Any]] = {
    "T1": t1,
    "T2": received_by_directorate("rpt_stage1_received_by_directorate"),
    "T3": received_by_directorate("rpt_stage2_received_by_directorate"),
    "T4": t4,
    "T5": outcomes("rpt_stage1_outcomes"),
    "T6": outcomes("rpt_stage2_outcomes"),
    "3.21": escalation,
    "T7": t7,
    "T8": t8,
    "T9": t9,
    "4.1": timeliness,
    "T11": t11,
    "T12": t12,
    "T13": t13,
    "6.1": compensation,
    "T14": t14,
    "T15": t15,
    "T16": t16,
    "T17": t17,
    "9.x": section9,
    **{table: lgsco_log(table) for table in LGSCO_LOG_TABLES},
    "T22": t22,
    "AppA-summary": summary,
    "AppA-service": by_service,
}

# ---------------------------------------------------------------- cells and deviations


@dataclass(frozen=True)
class Cell:
    table: str
    row: str
    column: str
    published: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.column)

    @property
    def awaiting(self) -> bool:
        return self.table in AWAITING_LGSCO_MARTS or (self.table, self.column) in AWAITING_COLUMNS


def published_cells() -> list[Cell]:
    with PUBLISHED.open(encoding="utf-8", newline="") as handle:
        return [
            Cell(r["table"], r["row"], r["column"], r["published"]) for r in csv.DictReader(handle)
        ]


def deviations() -> dict[tuple[str, str, str], dict[str, str]]:
    with DEVIATIONS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = {(r["table"], r["row"], r["column"]): r for r in rows}
    assert len(out) == len(rows), "a cell is listed twice in published_deviations.csv"
    return out


@dataclass(frozen=True)
class Result:
    cell: Cell
    actual: Any
    rendered: str
    matches: bool


def compare(marts: Marts, cells: list[Cell]) -> Iterator[Result]:
    for cell in cells:
        printed = Printed.parse(cell.published, cell.table)
        actual = TABLES[cell.table](marts, cell.row, cell.column)
        yield Result(cell, actual, printed.render(actual), printed.matches(actual))


def problems(
    results: list[Result], listed: dict[tuple[str, str, str], dict[str, str]]
) -> list[str]:
    """Differences not explained in the deviations file, and explanations that are stale."""
    out = []
    for r in results:
        c, deviation = r.cell, listed.get(r.cell.key)
        where = f"{c.table} | {c.row} | {c.column}: published {c.published!r}"
        if r.matches and deviation:
            out.append(f"{where}, pipeline {r.rendered!r}: listed as a deviation but now matches")
        elif not r.matches and not deviation:
            out.append(f"{where}, pipeline {r.rendered!r} ({r.actual!r}): not a listed deviation")
        elif deviation and deviation["pipeline_value"] != r.rendered:
            out.append(
                f"{where}: deviations file says the pipeline gives"
                f" {deviation['pipeline_value']!r}, it gives {r.rendered!r}"
            )
    return out


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Marts]:
    """The demo generated at scale 1 (default seed), ingested and built once for the module."""
    warehouse = os.environ.get("FEEDBACK_DEMO_WAREHOUSE")  # reuse a built one while developing
    if not warehouse:
        from demo.generator import generate
        from demo.lgsco_snapshot import serve_snapshot, write_statistics
        from flows.dbt_build import run_dbt
        from flows.settings import Settings
        from ingest.landing import land_delivery
        from ingest.lgsco import land_annual_stats, land_decisions
        from ingest.mapping import load_mapping
        from ingest.run import ingest_pending
        from scrapers.lgsco import (
            HarvestConfig,
            PoliteClient,
            harvest_decisions,
            read_annual_stats_folder,
        )

        tmp = tmp_path_factory.mktemp("published")
        generate(tmp / "delivery")
        land_delivery(tmp / "delivery", tmp / "landing", "demo")
        report = ingest_pending(tmp / "landing", load_mapping(), as_of=dt.date(2024, 10, 1))
        assert report.total("rows_rejected") == 0, report.as_dict()
        # the Ombudsman's statistics, as a run lands them from the demo's snapshot of its site
        write_statistics(tmp / "lgsco_statistics")
        land_annual_stats(read_annual_stats_folder(tmp / "lgsco_statistics"), tmp / "landing")
        with serve_snapshot(tmp / "delivery") as base_url:
            config = HarvestConfig(
                organisation="Kent County Council",
                state_dir=tmp / "lgsco_state",
                raw_dir=tmp / "lgsco_raw",
                since=dt.date(2020, 4, 1),
                base_url=base_url,
            )
            harvest = harvest_decisions(
                PoliteClient(min_interval=0), config, today=dt.date(2024, 10, 1)
            )
        assert not harvest.failures, harvest.failures
        land_decisions(harvest.decisions, tmp / "landing", "published-cells")
        settings = Settings(
            landing_dir=tmp / "landing", warehouse=tmp / "w.duckdb", reports_dir=tmp / "reports"
        )
        summary = run_dbt(
            settings,
            "build",
            ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        )
        assert summary.success, summary.failures
        warehouse = str(settings.warehouse)
    with duckdb.connect(warehouse, read_only=True) as con:
        yield Marts(con)


CELLS = published_cells()
IN_SCOPE = sorted({c.table for c in CELLS if c.table not in AWAITING_LGSCO_MARTS}, key=str)


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="no shared reference folder here")
def test_published_cells_are_the_shared_reference() -> None:
    assert PUBLISHED.read_bytes() == SHARED_REFERENCE.read_bytes()


def test_every_published_table_is_mapped_or_awaiting_the_lgsco_marts() -> None:
    tables = {c.table for c in CELLS}
    assert tables == set(TABLES) | AWAITING_LGSCO_MARTS
    assert not AWAITING_LGSCO_MARTS
    assert not set(TABLES) & AWAITING_LGSCO_MARTS
    awaiting_columns = {
        (c.table, c.column) for c in CELLS if c.awaiting and c.table not in AWAITING_LGSCO_MARTS
    }
    assert awaiting_columns == AWAITING_COLUMNS


def test_every_deviation_is_a_published_cell_with_a_reason() -> None:
    cells = {c.key: c for c in CELLS}
    for key, row in deviations().items():
        assert key in cells, f"{key} is not a published cell"
        assert row["published"] == cells[key].published, f"{key}: published value differs"
        assert row["reason"].strip(), f"{key}: no reason given"
        assert row["pipeline_value"].strip(), f"{key}: no pipeline value given"


@pytest.mark.parametrize("table", IN_SCOPE)
def test_published_table(marts: Marts, table: str) -> None:
    cells = [c for c in CELLS if c.table == table and not c.awaiting]
    results = list(compare(marts, cells))
    found = problems(results, deviations())
    assert not found, "\n".join(found)
