"""The tables of the annual report, laid out from the report marts for one financial year.

The report only *lays out* mart cells (filters a year, pivots, orders); it never adds or
divides them, so every figure on the page is a figure of a mart, and a suppressed cell
(``<5``) stays suppressed. Each table of the printed report has a layout here; a mart without
one still appears, as a plain table of the year's rows, so a new mart is never left out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from outputs.suppression import previous_financial_year

MISSING = "\u2013"  # an en dash, as printed reports show an empty cell
TEXT, COUNT, PCT, GBP, DAYS, NUMBER = "text", "count", "pct", "gbp", "days", "number"

LABELS = {
    "stage1_complaints": "Stage 1 complaints",
    "lgsco_decisions": "LGSCO decisions",
    "lgsco_cases": "LGSCO cases",
    "sen_enquiry": "SEN enquiry",
    "member_enquiry": "Member/MP enquiry",
    "informal_concern": "Informal concern",
    "resolved_upon_receipt": "Resolved upon receipt",
    "adult_social_care": "Adult social care",
    "children_act": "Children Act",
    "joint_health": "Joint health and social care",
    "responded_within_code": "Responded within the Code's timescale",
    "responded_within_council_timescale": "Responded within the council's timescale",
    "responded_within_statutory_timescale": "Responded within the statutory timescale",
    "acknowledged_within_code": "Acknowledged within the Code's timescale",
    "in_log_not_published": "In the council's log, not published by the LGSCO",
    "published_not_in_log": "Published by the LGSCO, not in the council's log",
    "decision_date_differs": "Decision date differs",
    "outcome_differs": "Outcome differs",
    "to_2023_24": "Scheme to 2023/24",
    "from_2024_25": "Scheme from 2024/25",
    "all": "All",
}
_WHOLE_NUMBER = re.compile(r"^-?\d+$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$|^[a-z]+$")


def label(value: Any) -> str:
    """A mart value as people read it: `not_upheld` → `Not upheld`; names as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if text in LABELS:
        return LABELS[text]
    if _SNAKE.match(text):
        words = text.replace("_", " ")
        return words[0].upper() + words[1:]
    return text


def column_kind(name: str) -> str:
    """How a mart column is formatted, from the project's naming conventions."""
    if name.endswith("_gbp"):
        return GBP
    if re.search(r"(^|_)(pct|share|rate)(_|$)", name) or name.startswith("pct_"):
        return PCT
    if name.endswith("_days") or name.startswith("median_") or name.startswith("p90_"):
        return DAYS
    if name.endswith("_per_100k") or name.endswith("_per_100_stage1"):
        return NUMBER
    return COUNT


@dataclass
class Column:
    header: str
    kind: str = COUNT


@dataclass
class DisplayTable:
    """One table as it is shown: headers, rows of raw cells (formatted by the renderer)."""

    table_id: str
    title: str
    source: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    charts: list[str] = field(default_factory=list)
    row_kinds: list[str] | None = None  # per row, when a table's rows differ (year-on-year)

    def __post_init__(self) -> None:
        self.rows = [[plain(value) for value in row] for row in self.rows]

    def kind(self, row: int, column: int) -> str:
        if column == 0 or self.row_kinds is None:
            return self.columns[column].kind
        return self.row_kinds[row]


@dataclass
class Section:
    section_id: str
    title: str
    tables: list[DisplayTable] = field(default_factory=list)


def plain(value: Any) -> Any:
    """A cell as a plain Python value: missing (None, NaN, NA, NaT) as None, numpy scalars as
    int/float, timestamps as dates."""
    if value is None:
        return None
    if isinstance(value, str | bool | int | float | dt.date) and not isinstance(
        value, pd.Timestamp
    ):
        return None if isinstance(value, float) and math.isnan(value) else value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def format_cell(value: Any, kind: str) -> str:
    """Text of one cell: suppressed cells and labels as they are, missing as an en dash."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        if kind == TEXT:
            return label(value)
        if not _WHOLE_NUMBER.match(value):
            return value  # a suppressed cell (<5)
        value = int(value)  # a count the suppressor let through, as text
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == TEXT:
        return label(value)
    if kind == PCT:
        return f"{float(value):.1%}"
    if kind == GBP:
        return f"£{float(value):,.0f}"
    if kind == DAYS:
        return f"{float(value):,.1f}"
    if kind == NUMBER:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


# --- selecting and ordering -------------------------------------------------------------


def year_rows(frame: pd.DataFrame, year: str) -> pd.DataFrame:
    """The rows of one financial year (by financial_year, or by a month/month_end column)."""
    if "financial_year" in frame.columns:
        return frame[frame["financial_year"] == year]
    start, end = year_bounds(year)
    for column in ("month", "month_end"):
        if column in frame.columns:
            dates = pd.to_datetime(frame[column]).dt.date
            return frame[(dates >= start) & (dates <= end)]
    return frame


def year_bounds(year: str) -> tuple[dt.date, dt.date]:
    first = int(year[:4])
    return dt.date(first, 4, 1), dt.date(first + 1, 3, 31)


def ordered(values: Sequence[Any], order: Sequence[Any] = ()) -> list[Any]:
    """Distinct values: those named in `order` first in that order, then the rest sorted, with
    `Total` last."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    named = [v for v in order if v in distinct]
    rest = sorted((v for v in distinct if v not in named and v != "Total"), key=str)
    return named + rest + (["Total"] if "Total" in distinct and "Total" not in named else [])


def _cell(frame: pd.DataFrame, match: dict[str, Any], column: str) -> Any:
    rows = frame
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return rows[column].iloc[0] if len(rows) else None


# --- layouts ----------------------------------------------------------------------------


def year_on_year(
    table_id: str,
    title: str,
    source: str,
    frame: pd.DataFrame,
    year: str,
    member: str,
    value: str,
    previous: str,
    difference: str,
    pct_difference: str | None,
    order: Sequence[Any] = (),
    kind: str = COUNT,
) -> DisplayTable:
    """As printed: a column per member (directorate, measure ...), rows this year, last year,
    difference and % difference."""
    rows = year_rows(frame, year)
    members = ordered(rows[member].tolist(), order)
    body = [
        [year, *[_cell(rows, {member: m}, value) for m in members]],
        [previous_financial_year(year), *[_cell(rows, {member: m}, previous) for m in members]],
        ["Difference", *[_cell(rows, {member: m}, difference) for m in members]],
    ]
    kinds = [kind, kind, kind]
    if pct_difference:
        body.append(["% difference", *[_cell(rows, {member: m}, pct_difference) for m in members]])
        kinds.append(PCT)
    columns = [Column("", TEXT), *[Column(label(m), kind) for m in members]]
    return DisplayTable(table_id, title, source, columns, body, row_kinds=kinds)


def pivot(
    table_id: str,
    title: str,
    source: str,
    rows: pd.DataFrame,
    row_keys: Sequence[str],
    column_key: str,
    value: str,
    *,
    row_order: Sequence[Any] = (),
    column_order: Sequence[Any] = (),
    kind: str = COUNT,
    note: str = "",
) -> DisplayTable:
    """Reshape (no arithmetic): a row per distinct row-key tuple, a column per column key."""
    column_values = ordered(rows[column_key].tolist(), column_order)
    first_key = row_keys[0]
    keys_in_order = []
    for first in ordered(rows[first_key].tolist(), row_order):
        subset = rows[rows[first_key] == first]
        for combo in dict.fromkeys(
            tuple(r) for r in subset[list(row_keys)].sort_values(list(row_keys)).to_numpy()
        ):
            keys_in_order.append(combo)
    body = []
    for combo in keys_in_order:
        match = dict(zip(row_keys, combo, strict=True))
        body.append(
            [*combo, *[_cell(rows, {**match, column_key: c}, value) for c in column_values]]
        )
    columns = [Column(label(k), TEXT) for k in row_keys] + [
        Column(label(c), kind) for c in column_values
    ]
    return DisplayTable(table_id, title, source, columns, body, note=note)


def listing(
    table_id: str,
    title: str,
    source: str,
    rows: pd.DataFrame,
    columns: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    sort: Sequence[str] = (),
    ascending: bool | Sequence[bool] = True,
    note: str = "",
) -> DisplayTable:
    """Rows as they are, with chosen columns: (column, header) or (column, header, kind)."""
    if sort:
        rows = rows.sort_values(list(sort), ascending=ascending, kind="stable")
    spec = [(c[0], c[1], c[2] if len(c) > 2 else _default_kind(c[0])) for c in columns]
    body = [[row[name] for name, _, _ in spec] for _, row in rows.iterrows()]
    return DisplayTable(
        table_id, title, source, [Column(h, k) for _, h, k in spec], body, note=note
    )


def _default_kind(column: str) -> str:
    if column in {"financial_year", "month", "month_end", "stage", "procedure"}:
        return TEXT  # keys, even when they are numbers (stage 1, 2)
    if column == "rank" or column.startswith("rank_"):
        return NUMBER
    return column_kind(column)


def generic(model: str, frame: pd.DataFrame, year: str) -> DisplayTable:
    """Fallback for a mart without a layout: the year's rows, every column."""
    rows = year_rows(frame, year)
    columns = []
    for name in frame.columns:
        is_text = frame[name].dtype == object and not _numeric_strings(frame[name])
        columns.append((name, label(name), TEXT if is_text else _default_kind(name)))
    return listing(
        model, label(model.removeprefix("rpt_")), model, rows, columns, sort=list(frame.columns[:2])
    )


def _numeric_strings(values: pd.Series) -> bool:
    """A suppressed count column holds numbers as text and markers like `<5`."""
    return values.dropna().map(lambda v: bool(re.fullmatch(r"<?\d+", str(v)))).all() and bool(
        values.dropna().size
    )


Builder = Callable[[pd.DataFrame, str], list[DisplayTable]]
