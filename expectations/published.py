"""What every cell of a published annual report means: the mapping from a published table's
(table, row, column) labels to a measure and its coordinates, and to the mart row that
computes it. Written for Kent County Council's 2023/24 report (the long format of
../shared/reference/kcc_2023_24/published_cells.csv); another council's labels are added
to the dictionaries below.

A cell becomes a `Coord`:

    measure  what is counted, the same name in every table that prints it
             (T2's cells and Appendix A's "Complaints (Stage One)" are both
             stage1_complaints_received)
    year     the financial year 'YYYY/YY' (the report's year when the table has none)
    dims     the breakdown, e.g. (("directorate", "Total"), ("service", "Total")); a
             dimension a table does not break down by is 'Total'
    kind     value | difference | pct_difference | share | rate
    whole    for a share: what it is a share of (one or more Coords, summed)

and, when the warehouse has the table, a `MartCell`: the mart, the key columns and values
of its row(s), and the column (summed over the rows: a published row may merge members).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

TOTAL = "Total"
YEAR_RE = re.compile(r"(\d{4}/\d{2})")

# --- labels -> canonical members ---------------------------------------------------------

ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
GET = "Growth, Environment and Transport"
CED = "Chief Executive and Deputy Chief Executive Departments"

# Every way the report prints a directorate -> the canonical name (org_units seed).
# "Strategic and Corporate Services" is CED's former name (seed: valid to 2023-03-31).
DIRECTORATES = {
    "Adult Social Care and Health": ASCH,
    "Adults Social Care and Health": ASCH,
    "Adults Social Care Services & Health": ASCH,
    "ASCH": ASCH,
    "Children, Young People and Education": CYPE,
    "Children Young People and Education": CYPE,
    "Children Young People & Education": CYPE,
    "CYPE": CYPE,
    "Growth, Environment and Transport": GET,
    "Growth Environment and Transport": GET,
    "Growth Environment & Transport": GET,
    "GET": GET,
    "Chief Executive and Deputy Chief Executive Departments": CED,
    "Strategic and Corporate Services": CED,
    "Strategic & Corporate Services": CED,
    "SCS": CED,
    "CED": CED,
    "Total": TOTAL,
}

# Appendix A service rows -> (canonical service, canonical directorate).
SERVICES = {
    "Integrated Children's Services (Was Specialist Children Service/Children's Social Work"
    " Services)": ("Integrated Children's Services", CYPE),
    "Education (includes Community Learning & Skills) (Was Education Services)": (
        "Education",
        CYPE,
    ),
    "SEN & Disabled Children's Services": ("SEN & Disabled Children's Services", CYPE),
    "Corporate Directors Office (includes The Education People)": (
        "Corporate Directors Office",
        CYPE,
    ),
    "Environment (was Environment Planning and Enforcement)": ("Environment", GET),
    "Growth & Communities (was Economic Development)": ("Growth & Communities", GET),
    "Highways and Transportation": ("Highways and Transportation", GET),
    "Waste": ("Waste", GET),
    "Libraries, Registrations and Archives": ("Libraries, Registrations and Archives", GET),
    "GET Corporate Directors Office": ("GET Corporate Directors Office", GET),
    "Adult Social Care and Health": ("Adult Social Care and Health", ASCH),
    "Finance (includes Insurance)": ("Finance", CED),
    "Governance, Law and Democracy (was FOI)": ("Governance, Law and Democracy", CED),
    "Marketing and Resident Experience": ("Marketing and Resident Experience", CED),
    "Strategy, Policy, Relationships and Corporate Assurance": (
        "Strategy, Policy, Relationships and Corporate Assurance",
        CED,
    ),
    "Infrastructure": ("Infrastructure", CED),
    "Strategic Commissioning (includes Public Health)": ("Strategic Commissioning", CED),
    "Other including HR": ("Other including HR", CED),
}
SERVICE_TOTAL_RE = re.compile(r"^(.*) Total Complaints$")  # "CYPE Total Complaints"

OUTCOMES = {
    "Not upheld": "not_upheld",
    "Upheld": "upheld",
    "Partly upheld": "partly_upheld",
    "Resolved upon receipt": "resolved_upon_receipt",
    "Withdrawn": "withdrawn",
}
FEEDBACK_TYPES_T4 = {
    "Comment": "comment",
    "Complaint": "complaint",
    "Compliment": "compliment",
    "Total": TOTAL,
}
FEEDBACK_TYPES_T7 = {
    "Member/MP enquiry": "member_enquiry",
    "Enquiry (includes Ask a Kent Librarian)": "enquiry",
    "Representation": "representation",
    "Informal concern": "informal_concern",
    "SEN Enquiries": "sen_enquiry",
}
# Table 13 channel -> the contract's channels it covers (summed).
CHANNELS = {
    "Phone": ("phone",),
    "Letter": ("letter",),
    "Email": ("email",),
    "Comment card/ Face to Face": ("face_to_face",),
    "Online": ("online_form",),
    "Contact via Corporate Director, Member or MP": ("via_member_or_director",),
    "Govmetric": ("web_survey",),
    "Other": ("other", "social_media", "not_recorded"),
}
DIGITAL_CHANNELS = ("Email", "Online")
# Table 15 row -> the contract's member conduct outcomes it covers (summed).
MEMBER_CONDUCT_OUTCOMES = {
    "No Action or resolved upon receipt. Dismissed by the Monitoring Officer": (
        "no_action",
        "resolved_upon_receipt",
        "dismissed",
    ),
    "Action taken by party": ("action_taken_by_party",),
}
T1_MEASURES = {
    "Complaints (Stage 1)": ("stage1_complaints_received", "stage1_complaints"),
    "Comment": ("comments_received", "comments"),
    "Compliments": ("compliments_received", "compliments"),
    "LGSCO complaints": ("lgsco_decisions", "lgsco_decisions"),
}
APPENDIX_A_MEASURES = {
    "Complaints (Stage One)": ("stage1_complaints_received", "stage1_complaints"),
    "Comments": ("comments_received", "comments"),
    "Compliments": ("compliments_received", "compliments"),
    # The council's own Ombudsman log by decision year, as Tables 18-21 (report_tables.md).
    "LGSCO enquiries & complaints": ("lgsco_log_outcomes", "lgsco_cases"),
}
ESCALATION_321 = {
    "Stage 2 upheld or partly upheld that were upheld or partly upheld at stage 1": (
        "already_upheld_at_stage1"
    ),
    "Stage 1 decisions overturned at stage 2": "stage1_overturned",
}
# Tables 18-21 (the council's LGSCO log by service) and the directorate each covers.
LGSCO_LOG_TABLES = {"T18": CYPE, "T19": GET, "T20": CED, "T21": ASCH}

# Members that must all be present for parts printed in one table to make up a total
# printed in another (otherwise the parts only give a lower bound).
DOMAINS = {"outcome": frozenset(OUTCOMES.values())}


def member(label: str) -> str:
    """A free-text member (reason, delay reason, action, category) as matched: casefolded."""
    return " ".join(label.split()).casefold()


def directorate(label: str) -> str | None:
    return DIRECTORATES.get(label.strip())


# --- coordinates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coord:
    measure: str
    year: str
    dims: tuple[tuple[str, str], ...] = ()
    kind: str = "value"  # value | difference | pct_difference | share | rate
    whole: tuple[Coord, ...] = field(default=(), compare=True)

    def dim(self, name: str) -> str | None:
        return dict(self.dims).get(name)

    def with_dims(self, **changes: str) -> Coord:
        dims = dict(self.dims) | changes
        return Coord(self.measure, self.year, tuple(sorted(dims.items())), "value")

    def as_value(self) -> Coord:
        return Coord(self.measure, self.year, self.dims, "value")

    def describe(self) -> str:
        """e.g. 'complaints_closed 2023/24 stage=2' (dimensions at Total left out)."""
        dims = " ".join(f"{k}={v}" for k, v in self.dims if v != TOTAL)
        return f"{self.measure} {self.year}" + (f" {dims}" if dims else "")


def coord(measure: str, year: str, kind: str = "value", whole=(), **dims: str) -> Coord:
    return Coord(measure, year, tuple(sorted(dims.items())), kind, tuple(whole))


@dataclass(frozen=True)
class MartCell:
    """The warehouse's figure for a published cell: sum(column) over the mart's rows where
    every key column holds one of its values."""

    mart: str
    keys: tuple[tuple[str, tuple[str, ...]], ...]
    column: str
    casefold: frozenset[str] = frozenset()  # key columns matched case-insensitively

    def sql(self) -> tuple[str, list[str]]:
        conditions, params = [], []
        for column, values in self.keys:
            target = f"lower({column})" if column in self.casefold else column
            conditions.append(f"{target} in ({', '.join('?' for _ in values)})")
            params.extend(v.casefold() if column in self.casefold else v for v in values)
        where = " and ".join(conditions) or "true"
        return (
            f"select sum({self.column}), count(*) from {self.mart} where {where}",
            params,
        )


def mart_cell(mart: str, column: str, casefold: tuple[str, ...] = (), **keys) -> MartCell:
    normalised = tuple(
        (k, tuple(v) if isinstance(v, tuple | list) else (v,)) for k, v in keys.items()
    )
    return MartCell(mart, normalised, column, frozenset(casefold))


# --- the tables ----------------------------------------------------------------------------


def _row_kind(row: str, report_year: str) -> tuple[str, str] | None:
    """Year rows, 'Difference' and '% difference' rows -> (year, kind)."""
    text = row.strip()
    if YEAR_RE.fullmatch(text):
        return text, "value"
    if text.casefold() == "difference":
        return report_year, "difference"
    if text.casefold() == "% difference":
        return report_year, "pct_difference"
    return None


@dataclass(frozen=True)
class Located:
    coord: Coord
    mart: MartCell | None = None


Locator = Callable[[str, str, str], Located | None]


def _yoy_columns(value: str, difference: str | None, pct: str | None, kind: str) -> str | None:
    return {"value": value, "difference": difference, "pct_difference": pct}.get(kind)


def _t1(row: str, column: str, year: str) -> Located | None:
    found, measure = _row_kind(row, year), T1_MEASURES.get(column)
    if not found or not measure:
        return None
    fy, kind = found
    name, mart_measure = measure
    dims = {"directorate": TOTAL, "service": TOTAL} if name.startswith("stage1") else {}
    if name in ("comments_received", "compliments_received"):
        dims = {"directorate": TOTAL}
    if name == "lgsco_decisions":
        dims = {"category": TOTAL}
    mart_column = _yoy_columns("value", "difference", "pct_difference", kind)
    return Located(
        coord(name, fy, kind, **dims),
        mart_cell(
            "report.rpt_feedback_overview",
            mart_column,
            financial_year=fy,
            measure=mart_measure,
        ),
    )


def _received_by_directorate(measure: str, mart: str) -> Locator:
    def locate(row: str, column: str, year: str) -> Located | None:
        found, unit = _row_kind(row, year), directorate(column)
        if not found or not unit:
            return None
        fy, kind = found
        dims = {"directorate": unit}
        if measure == "stage1_complaints_received":
            dims["service"] = TOTAL
        column_name = _yoy_columns("complaints_received", "difference", "pct_difference", kind)
        return Located(
            coord(measure, fy, kind, **dims),
            mart_cell(mart, column_name, financial_year=fy, directorate=unit),
        )

    return locate


def _t4(row: str, column: str, year: str) -> Located | None:
    feedback_type = FEEDBACK_TYPES_T4.get(column)
    if feedback_type is None:
        return None
    text = row.strip()
    if text.startswith("Total for ") and YEAR_RE.search(text):
        fy, kind, unit = YEAR_RE.search(text).group(1), "value", TOTAL
    elif text.casefold() in ("difference", "% difference"):
        fy, unit = year, TOTAL
        kind = "difference" if text.casefold() == "difference" else "pct_difference"
    elif directorate(text):
        fy, kind, unit = year, "value", directorate(text)
    else:
        return None
    column_name = _yoy_columns("cases_closed", "difference", "pct_difference", kind)
    return Located(
        coord("cases_closed_stage1", fy, kind, directorate=unit, feedback_type=feedback_type),
        mart_cell(
            "report.rpt_closed_by_directorate_type",
            column_name,
            financial_year=fy,
            directorate=unit,
            feedback_type=feedback_type,
        ),
    )


def _outcomes(stage: str) -> Locator:
    mart = f"report.rpt_stage{stage}_outcomes"

    def locate(row: str, column: str, year: str) -> Located | None:
        outcome, match = OUTCOMES.get(column), YEAR_RE.match(row.strip())
        if not outcome or not match:
            return None
        fy = match.group(1)
        share = row.strip().endswith("%")
        whole = (coord("complaints_closed", fy, directorate=TOTAL, stage=stage, outcome=TOTAL),)
        return Located(
            coord(
                "complaints_closed",
                fy,
                "share" if share else "value",
                whole if share else (),
                directorate=TOTAL,
                stage=stage,
                outcome=outcome,
            ),
            mart_cell(
                mart,
                "share_of_closed" if share else "complaints_closed",
                financial_year=fy,
                outcome=outcome,
            ),
        )

    return locate


def _t3_21(row: str, column: str, year: str) -> Located | None:
    column_name = ESCALATION_321.get(column)
    if not column_name or not YEAR_RE.fullmatch(row.strip()):
        return None
    return Located(
        coord(column_name, row.strip()),
        mart_cell("report.rpt_stage2_escalation_analysis", column_name, financial_year=row),
    )


def _t7(row: str, column: str, year: str) -> Located | None:
    found, feedback_type = _row_kind(row, year), FEEDBACK_TYPES_T7.get(column)
    if not found or not feedback_type:
        return None
    fy, kind = found
    return Located(
        coord("other_feedback_received", fy, kind, feedback_type=feedback_type),
        mart_cell(
            "report.rpt_other_feedback_volumes",
            _yoy_columns("received", "difference", "pct_difference", kind),
            financial_year=fy,
            feedback_type=feedback_type,
        ),
    )


def _t8(row: str, column: str, year: str) -> Located | None:
    match = re.fullmatch(r"(\d{4}/\d{2}) (Total|%)", column.strip())
    if not match:
        return None
    fy, share = match.group(1), match.group(2) == "%"
    reason = TOTAL if row.strip() == TOTAL else member(row)
    whole = (coord("reasons_recorded", fy, reason=TOTAL),)
    return Located(
        coord(
            "reasons_recorded",
            fy,
            "share" if share else "value",
            whole if share else (),
            reason=reason,
        ),
        mart_cell(
            "report.rpt_complaint_reasons",
            "share" if share else "reasons_recorded",
            casefold=("reason",),
            financial_year=fy,
            reason=TOTAL if reason == TOTAL else row.strip(),
        ),
    )


def _t9(row: str, column: str, year: str) -> Located | None:
    row_share, column_share = row.strip() == "%", column.strip() == "%"
    if row_share and column_share:
        return None
    reason = TOTAL if row.strip() in (TOTAL, "%") else member(row)
    unit = TOTAL if column.strip() in (TOTAL, "%") else directorate(column)
    if unit is None:
        return None
    share = row_share or column_share
    whole = (coord("upheld_complaints", year, directorate=TOTAL, reason=TOTAL),)
    return Located(
        coord(
            "upheld_complaints",
            year,
            "share" if share else "value",
            whole if share else (),
            directorate=unit,
            reason=reason,
        ),
        mart_cell(
            "report.rpt_upheld_reasons_by_directorate",
            "share_of_total" if share else "upheld_complaints",
            casefold=("reason",),
            financial_year=year,
            reason=TOTAL if reason == TOTAL else row.strip(),
            directorate=unit,
        ),
    )


def _t4_1(row: str, column: str, year: str) -> Located | None:
    if column != "Responded within corporate timescale":
        return None
    kpi = row.strip() == "KPI"
    fy = year if kpi else row.strip()
    if not kpi and not YEAR_RE.fullmatch(fy):
        return None
    return Located(
        coord("kpi_on_time_target" if kpi else "pct_on_time", fy, "rate"),
        mart_cell(
            "report.rpt_timeliness",
            "kpi_target" if kpi else "pct_on_time",
            financial_year=fy,
            directorate=TOTAL,
            stage="all",
            procedure="all",
        ),
    )


def _closed_stages_1_and_2(fy: str, unit: str) -> tuple[Coord, ...]:
    """The whole of Tables 11 and 12's shares: complaints closed at stages 1 and 2."""
    return tuple(
        coord("complaints_closed", fy, directorate=unit, stage=stage, outcome=TOTAL)
        for stage in ("1", "2")
    )


def _t11(row: str, column: str, year: str) -> Located | None:
    text = row.strip()
    share = text == "% of total complaints closed"
    if not share and not YEAR_RE.fullmatch(text):
        return None
    fy = year if share else text
    return Located(
        coord(
            "late_responses",
            fy,
            "share" if share else "value",
            _closed_stages_1_and_2(fy, TOTAL) if share else (),
            directorate=TOTAL,
            delay_reason=member(column),
        ),
        mart_cell(
            "report.rpt_delay_reasons",
            "share_of_closed" if share else "late_complaints",
            casefold=("delay_reason",),
            financial_year=fy,
            delay_reason=column.strip(),
        ),
    )


def _t12(row: str, column: str, year: str) -> Located | None:
    text = row.strip()
    match = re.fullmatch(r"(.*) (\d{4}/\d{2}|%)", text)
    if not match or not directorate(match.group(1)):
        return None
    unit, share = directorate(match.group(1)), match.group(2) == "%"
    fy = year if share else match.group(2)
    return Located(
        coord(
            "late_responses",
            fy,
            "share" if share else "value",
            _closed_stages_1_and_2(fy, unit) if share else (),
            directorate=unit,
            delay_reason=member(column),
        ),
        mart_cell(
            "report.rpt_delay_reasons_by_directorate",
            "share_of_closed" if share else "late_complaints",
            casefold=("delay_reason",),
            financial_year=fy,
            directorate=unit,
            delay_reason=column.strip(),
        ),
    )


def _t13(row: str, column: str, year: str) -> Located | None:
    text = row.strip()
    match = re.fullmatch(r"(\d{4}/\d{2})(?: (%|Volume))?", text)
    if not match:
        return None
    fy, what = match.group(1), match.group(2)
    if what is None:
        if column.startswith("Digital share"):
            return Located(
                coord("digital_share", fy, "rate"),
                mart_cell("report.rpt_channels", "digital_share", financial_year=fy, channel=TOTAL),
            )
        return None
    channels = CHANNELS.get(column)
    if channels is None:
        return None
    share = what == "%"
    return Located(
        coord(
            "channel_received",
            fy,
            "share" if share else "value",
            (coord("channel_received", fy, channel=TOTAL),) if share else (),
            channel=column.strip(),
        ),
        mart_cell(
            "report.rpt_channels",
            "share" if share else "received",
            financial_year=fy,
            channel=channels,
        ),
    )


def _t6_1(row: str, column: str, year: str) -> Located | None:
    found = _row_kind(row, year)
    if not found:
        return None
    fy, kind = found
    if column == "Following LGSCO decisions":
        return Located(
            coord("compensation_following_lgsco_gbp", fy, kind, directorate=TOTAL),
            mart_cell(
                "report.rpt_compensation_by_directorate",
                "following_lgsco_gbp",
                financial_year=fy,
                directorate=TOTAL,
            )
            if kind == "value"
            else None,
        )
    unit = TOTAL if column == "Total paid or waived" else directorate(column)
    if unit is None:
        return None
    return Located(
        coord("compensation_gbp", fy, kind, directorate=unit),
        mart_cell(
            "report.rpt_compensation_by_directorate",
            _yoy_columns("amount_gbp", "difference_gbp", None, kind),
            financial_year=fy,
            directorate=unit,
        )
        if kind != "pct_difference"
        else None,
    )


def _t14(row: str, column: str, year: str) -> Located | None:
    if column not in ("Volume", "%"):
        return None
    reason = TOTAL if row.strip() == TOTAL else member(row)
    share = column == "%"
    return Located(
        coord(
            "payments",
            year,
            "share" if share else "value",
            (coord("payments", year, payment_reason=TOTAL),) if share else (),
            payment_reason=reason,
        ),
        mart_cell(
            "report.rpt_compensation_reasons",
            "share_of_payments" if share else "payments",
            casefold=("payment_reason",),
            financial_year=year,
            payment_reason=TOTAL if reason == TOTAL else row.strip(),
        ),
    )


def _t15(row: str, column: str, year: str) -> Located | None:
    outcomes = MEMBER_CONDUCT_OUTCOMES.get(row.strip())
    if not outcomes or not YEAR_RE.fullmatch(column.strip()):
        return None
    return Located(
        coord("member_conduct_complaints", column.strip(), outcome=row.strip()),
        mart_cell(
            "report.rpt_member_conduct_complaints",
            "complaints",
            financial_year=column.strip(),
            outcome=outcomes,
        ),
    )


def _lgsco_yearly(measure: str, dimension: str) -> Locator:
    """Tables 16 and 17 (the LGSCO's statistics): no mart yet (the Ombudsman suite)."""

    def locate(row: str, column: str, year: str) -> Located | None:
        if not YEAR_RE.fullmatch(row.strip()):
            return None
        category = TOTAL if column.strip() == TOTAL else member(column)
        return Located(coord(measure, row.strip(), **{dimension: category}))

    return locate


def _t9_x(row: str, column: str, year: str) -> Located | None:
    if not YEAR_RE.fullmatch(row.strip()):
        return None
    fy = row.strip()
    if column == "LGSCO decisions received":
        return Located(coord("lgsco_decisions", fy, category=TOTAL))
    if column == "Referred back for local resolution":
        return Located(coord("lgsco_decisions", fy, category=member(column)))
    if column == "Education and Children's Services cases":
        return Located(coord("lgsco_received", fy, category=member(column)))
    return Located(coord(member(column), fy, "rate"))  # rates the LGSCO publishes


def _lgsco_log(table_directorate: str) -> Locator:
    def locate(row: str, column: str, year: str) -> Located | None:
        service = TOTAL if row.strip() == TOTAL else member(row)
        outcome = TOTAL if column.strip() == TOTAL else member(column)
        return Located(
            coord(
                "lgsco_log_outcomes",
                year,
                directorate=table_directorate,
                service=service,
                outcome=outcome,
            )
        )

    return locate


def _t22(row: str, column: str, year: str) -> Located | None:
    match = re.fullmatch(r"Stage (\d)", column.strip())
    if not match:
        return None
    return Located(
        coord("remedy_actions", year, stage=match.group(1), action=member(row)),
        mart_cell(
            "report.rpt_remedy_actions",
            "complaints",
            casefold=("action",),
            financial_year=year,
            stage=match.group(1),
            action=row.strip(),
        ),
    )


def _appendix_a_summary(row: str, column: str, year: str) -> Located | None:
    match = re.fullmatch(r"(.*) (\d{4}/\d{2})", row.strip())
    measure = APPENDIX_A_MEASURES.get(column)
    if not match or not measure or not directorate(match.group(1)):
        return None
    unit, fy = directorate(match.group(1)), match.group(2)
    name, mart_column = measure
    dims = {"directorate": unit}
    if name == "stage1_complaints_received":
        dims["service"] = TOTAL
    if name == "lgsco_log_outcomes":
        dims |= {"service": TOTAL, "outcome": TOTAL}
    return Located(
        coord(name, fy, **dims),
        mart_cell(
            "report.rpt_directorate_feedback_summary",
            mart_column,
            financial_year=fy,
            directorate=unit,
        ),
    )


def _appendix_a_service(row: str, column: str, year: str) -> Located | None:
    if not YEAR_RE.fullmatch(column.strip()):
        return None
    total = SERVICE_TOTAL_RE.match(row.strip())
    if total and directorate(total.group(1)):
        service, unit = TOTAL, directorate(total.group(1))
    elif row.strip() in SERVICES:
        service, unit = SERVICES[row.strip()]
    else:
        return None
    fy = column.strip()
    return Located(
        coord("stage1_complaints_received", fy, directorate=unit, service=service),
        mart_cell(
            "report.rpt_complaints_by_service",
            "complaints_received",
            financial_year=fy,
            directorate=unit,
            service=service,
        ),
    )


@dataclass(frozen=True)
class Table:
    title: str
    locate: Locator
    # False for a table whose figures are not a breakdown (section 9 quotes a total and one
    # of its parts): its figures are compared with other tables', never summed.
    additive: bool = True


TABLES: dict[str, Table] = {
    "T1": Table("Feedback received (Table 1)", _t1),
    "T2": Table(
        "Stage 1 complaints received by directorate (Table 2)",
        _received_by_directorate(
            "stage1_complaints_received", "report.rpt_stage1_received_by_directorate"
        ),
    ),
    "T3": Table(
        "Stage 2 complaints received by directorate (Table 3)",
        _received_by_directorate(
            "stage2_complaints_received", "report.rpt_stage2_received_by_directorate"
        ),
    ),
    "T4": Table("Cases closed by directorate at stage 1 (Table 4)", _t4),
    "T5": Table("Stage 1 outcomes (Table 5)", _outcomes("1")),
    "T6": Table("Stage 2 outcomes (Table 6)", _outcomes("2")),
    "3.21": Table("Stage 2 escalation analysis (3.21)", _t3_21),
    "T7": Table("Other feedback received (Table 7)", _t7),
    "T8": Table("Reasons for stage 1 complaints (Table 8)", _t8),
    "T9": Table("Reasons for upheld complaints by directorate (Table 9)", _t9),
    "4.1": Table("Responses within timescale (4.1)", _t4_1),
    "T11": Table("Delay reasons (Table 11)", _t11),
    "T12": Table("Delay reasons by directorate (Table 12)", _t12),
    "T13": Table("Channels (Table 13)", _t13),
    "6.1": Table("Compensation by directorate (6.1)", _t6_1),
    "T14": Table("Compensation reasons (Table 14)", _t14),
    "T15": Table("Member conduct complaints (Table 15)", _t15),
    "9.x": Table("LGSCO performance (section 9)", _t9_x, additive=False),
    "T16": Table("LGSCO complaints (Table 16)", _lgsco_yearly("lgsco_received", "category")),
    "T17": Table("LGSCO decisions (Table 17)", _lgsco_yearly("lgsco_decisions", "category")),
    **{
        table: Table(f"LGSCO outcomes, {unit} ({table})", _lgsco_log(unit))
        for table, unit in LGSCO_LOG_TABLES.items()
    },
    "T22": Table("Remedy actions (Table 22)", _t22),
    "AppA-summary": Table("Appendix A, directorate overview", _appendix_a_summary),
    "AppA-service": Table("Appendix A, stage 1 complaints by service", _appendix_a_service),
}

# A cell of one measure that is also a cell of another: Table 4's stage 1 complaints closed
# are Table 5's complaints closed (all outcomes, withdrawn included).
ALIASES: list[tuple[str, dict[str, str], str, dict[str, str]]] = [
    (
        "cases_closed_stage1",
        {"feedback_type": "complaint"},
        "complaints_closed",
        {"stage": "1", "outcome": TOTAL},
    ),
]


def aliases(c: Coord) -> list[Coord]:
    """The other coordinates a published cell also stands for."""
    found = []
    for measure, when, other, extra in ALIASES:
        dims = dict(c.dims)
        if c.measure == measure and all(dims.get(k) == v for k, v in when.items()):
            kept = {k: v for k, v in dims.items() if k not in when}
            found.append(
                Coord(other, c.year, tuple(sorted((kept | extra).items())), c.kind, c.whole)
            )
    return found


def is_additive(table: str) -> bool:
    spec = TABLES.get(table)
    return spec.additive if spec else False


def locate(table: str, row: str, column: str, report_year: str) -> Located | None:
    """What a published cell means, or None when its labels are not in the mapping."""
    spec = TABLES.get(table)
    return spec.locate(row, column, report_year) if spec else None
