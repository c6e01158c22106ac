"""Malformed and hostile deliveries, generated from the contract, with what ingest must do.

Every case is one delivery (one folder of files) with, per file, the expected outcome:
`loaded` with rows read / accepted / rejected and the (row, rule) of each rejected row,
`failed` with words the message must hold, or `ignored`. Some hostile inputs are valid once
handled (a BOM, columns in another order, UTF-16...): for those the expected accepted values
are given, so that nothing is lost or altered on the way.

The contract rules are not listed by hand: for every entity, every rule that
`ingest.validate.rule_names` reports gets a generated case, from the column's kind (a missing
required value, an unknown enum value, an unparseable date...) or, for cross-field rules, from
`RULE_MUTATIONS`. A rule with no way to break it here raises `KeyError` at import.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest.contract import CASES, ENTITIES, Column, Entity
from ingest.mapping import MAPPINGS_DIR, Mapping, load_mapping
from ingest.readers import ReadLimits
from ingest.validate import rule_names

AS_OF = dt.date(2024, 6, 30)
HEADER = list(CASES.column_names)


@dataclass(frozen=True)
class Expect:
    """What ingest must make of one delivered file."""

    status: str = "loaded"  # loaded | failed | ignored
    rows: tuple[int, int, int] | None = None  # read, accepted, rejected (loaded files)
    rejects: tuple[tuple[int, str], ...] = ()  # (row number, rule) of every rejected row
    message: tuple[str, ...] = ()  # words the file's outcome message must hold
    details: tuple[str, ...] = ()  # words the rejected rows' details must hold
    values: tuple[str, tuple[tuple[Any, ...], ...]] | None = None  # accepted, in row order
    entity: str | None = None  # default: from the file name


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    what: str
    files: dict[str, bytes]
    expect: dict[str, Expect]
    limits: ReadLimits | None = None
    mapping: str | None = None  # a mapping under ingest/mappings (default: identity)
    covers: tuple[tuple[str, str], ...] = field(default=())  # (entity, rule) by design


# --- rows from the contract -----------------------------------------------------------------

KEY_FORMATS = {"case_ref": "C{n}", "payment_id": "P{n}", "complaint_ref": "MC{n}"}
SAMPLES = {
    "date": "2023-05-02",
    "timestamp": "2023-05-20 10:00:00",
    "int": "1",
    "decimal": "12.50",
    "bool": "false",
}
# Values that make a row consistent with the contract's cross-field rules (a closed complaint
# has a closed date and an outcome...), and readable.
REALISTIC: dict[str, dict[str, str]] = {
    "cases": {
        "parent_ref": "",
        "directorate": "Growth, Environment and Transport",
        "service": "Waste",
        "channel": "email",
        "acknowledged_date": "2023-05-03",
        "reopened_date": "",
        "due_date": "2023-05-31",
        "extended_due_date": "",
        "closed_date": "2023-05-20",
        "status": "closed",
        "primary_reason": "Quality of service",
        "delay_reason": "",
        "lgsco_ref": "",
    },
    "case_reasons": {"reason": "Communications", "is_primary": "true"},
    "case_actions": {"action": "Formal apology", "action_date": "2023-05-21"},
    "case_payments": {"case_ref": "C1", "payment_reason": "Goodwill", "paid_date": "2023-06-01"},
    "ombudsman_cases": {"case_ref": "C1", "directorate": "Adult Social Care", "service": "Care"},
    "member_conduct_complaints": {},
    "complainant_profile": {"age_band": "35-44", "sex": "Female"},
}


def sample(column: Column, n: int) -> str:
    """A valid value of `column` for the n-th row (keys differ from row to row)."""
    if column.name in KEY_FORMATS:
        return KEY_FORMATS[column.name].format(n=n)
    if column.kind == "lgsco_ref":
        return f"23 {n:03d} 567"
    if column.kind == "enum":
        return column.allowed[0]
    if column.kind == "text":
        return f"{column.name.replace('_', ' ').capitalize()} {n}"
    return SAMPLES[column.kind]


def valid_row(entity: str, n: int = 1, **values: str) -> dict[str, str]:
    spec = ENTITIES[entity]
    row = {c.name: sample(c, n) for c in spec.columns}
    row.update(REALISTIC[entity])
    row.update(values)
    return row


def csv_bytes(
    columns: Iterable[str],
    rows: Iterable[dict[str, str] | list[str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    delimiter: str = ",",
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return out.getvalue().encode(encoding)


def cases_csv(*rows: dict[str, str], **kwargs: Any) -> bytes:
    return csv_bytes(HEADER, rows, **kwargs)


def case(n: int = 1, **values: str) -> dict[str, str]:
    return valid_row("cases", n, **values)


def loaded(read: int, accepted: int, rejected: int, *rejects: tuple[int, str], **kw) -> Expect:
    return Expect("loaded", (read, accepted, rejected), tuple(rejects), **kw)


def accepted(count: int, **kw: Any) -> Expect:
    return Expect("loaded", (count, count, 0), **kw)


def failed(*words: str) -> Expect:
    return Expect("failed", message=words)


# --- every contract rule ------------------------------------------------------------------

KIND_BREAKERS = {  # a value of the right shape for no column of this kind
    "date": "sometime in May",
    "timestamp": "yesterday",
    "int": "one",
    "decimal": "five pounds",
    "bool": "maybe",
    "lgsco_ref": "12345",
}
KIND_WORDS = {
    "date": "a date",
    "timestamp": "a timestamp",
    "int": "a whole number",
    "decimal": "an amount",
    "bool": "true or false",
    "lgsco_ref": "an LGSCO reference",
}
RULE_MUTATIONS: dict[tuple[str, str], list[tuple[str, str, dict[str, str]]]] = {
    # (entity, rule): [(id suffix, what, values that break the rule)]
    ("cases", "invalid_stage"): [
        ("", "stage 'one' is not a number", {"stage": "one"}),
        ("out-of-range", "stage 4 (only 1, 2 or 3)", {"stage": "4"}),
        ("fraction", "stage 1.5 (not silently rounded to 2)", {"stage": "1.5"}),
    ],
    ("cases", "received_date_in_future"): [
        (
            "",
            "received the day after the run date",
            {"received_date": "2024-07-01", "closed_date": "", "status": "open", "outcome": ""},
        ),
    ],
    ("cases", "closed_before_received"): [
        ("", "closed the day before it was received", {"closed_date": "2023-05-01"})
    ],
    ("cases", "closed_without_closed_date"): [
        ("", "status closed, closed_date empty", {"closed_date": ""})
    ],
    ("cases", "closed_complaint_without_outcome"): [
        ("", "a closed complaint with no outcome", {"outcome": ""})
    ],
    ("cases", "complaint_without_stage"): [("", "a complaint with no stage", {"stage": ""})],
    ("cases", "complaint_without_procedure"): [
        ("", "a complaint with no procedure", {"procedure": ""})
    ],
    ("cases", "reopened_before_received"): [
        ("", "reopened_date 2023-04-01 before received_date", {"reopened_date": "2023-04-01"})
    ],
    ("case_payments", "negative_amount_gbp"): [
        ("", "amount_gbp -5.00 (refunds are positive amounts)", {"amount_gbp": "-5.00"})
    ],
}
DUPLICATE_CHANGES = {  # a column to change so that a repeated key has different content
    "cases": {"outcome": "not_upheld"},
    "case_payments": {"payment_reason": "Refund"},
    "ombudsman_cases": {"directorate": "Children's Services"},
    "member_conduct_complaints": {"outcome": "dismissed"},
    "complainant_profile": {"sex": "Male"},
}


def rule_mutations(entity: Entity, rule: str) -> list[tuple[str, str, dict[str, str]]]:
    if (entity.name, rule) in RULE_MUTATIONS:
        return RULE_MUTATIONS[entity.name, rule]
    if rule.endswith("_missing"):
        name = rule.removesuffix("_missing")
        return [("", f"required {name} empty", {name: ""})]
    if rule.startswith("invalid_"):
        column = entity.column(rule.removeprefix("invalid_"))
        if column.kind == "enum":
            what = f"{column.name} 'Not In The List' (an unknown enum value)"
            return [("", what, {column.name: "Not In The List"})]
        value = KIND_BREAKERS[column.kind]
        what = f"{column.name} {value!r}: not {KIND_WORDS[column.kind]}"
        return [("", what, {column.name: value})]
    raise KeyError(f"no corpus mutation breaks rule {rule!r} of {entity.name}")


def contract_rule_cases() -> list[Case]:
    cases = []
    for entity in ENTITIES.values():
        name = f"{entity.name}.csv"
        columns = entity.column_names
        for rule in rule_names(entity):
            if rule.startswith("duplicate_"):
                key = entity.key[0]
                rows = [
                    valid_row(entity.name, 1),
                    valid_row(entity.name, 2),
                    valid_row(entity.name, 2, **DUPLICATE_CHANGES[entity.name]),
                ]
                cases.append(
                    Case(
                        f"rule-{entity.name}-{rule}",
                        "contract rule",
                        f"{entity.name}: the same {key} twice with different content",
                        {name: csv_bytes(columns, rows)},
                        {name: loaded(3, 1, 2, (3, rule), (4, rule))},
                        covers=((entity.name, rule),),
                    )
                )
                continue
            for suffix, what, values in rule_mutations(entity, rule):
                rows = [valid_row(entity.name, 1), valid_row(entity.name, 2, **values)]
                cases.append(
                    Case(
                        f"rule-{entity.name}-{rule}" + (f"-{suffix}" if suffix else ""),
                        "contract rule",
                        f"{entity.name}: {what}",
                        {name: csv_bytes(columns, rows)},
                        {name: loaded(2, 1, 1, (3, rule))},
                        covers=((entity.name, rule),),
                    )
                )
    return cases


# --- dates ----------------------------------------------------------------------------------


def date_cases() -> list[Case]:
    def one(id_: str, what: str, column: str, value: str, rule: str, *details: str, **kw) -> Case:
        content = cases_csv(case(1), case(2, **{column: value, **kw}))
        expect = loaded(2, 1, 1, (3, rule), details=details)
        return Case(f"date-{id_}", "dates", what, {"cases.csv": content}, {"cases.csv": expect})

    invalid = "invalid_received_date"
    return [
        one("us-order", "US order 12/31/2023", "received_date", "12/31/2023", invalid, "US order"),
        one(
            "us-order-time",
            "US order with a time, 05/13/2023 09:00",
            "received_date",
            "05/13/2023 09:00",
            invalid,
            "US order",
        ),
        one(
            "impossible-31-feb",
            "impossible date 31/02/2023",
            "received_date",
            "31/02/2023",
            invalid,
            "no such date",
        ),
        one("impossible-iso", "impossible date 2023-02-30", "received_date", "2023-02-30", invalid),
        one(
            "not-leap",
            "29/02/2023 (2023 is not a leap year)",
            "received_date",
            "29/02/2023",
            invalid,
        ),
        one("31-april", "31/04/2023", "received_date", "31/04/2023", invalid),
        one("day-zero", "day 00: 00/05/2023", "received_date", "00/05/2023", invalid),
        one("month-13-iso", "month 13: 2023-13-01", "received_date", "2023-13-01", invalid),
        one(
            "two-digit-year",
            "two-digit year 02/05/23 (not read as 0023 or 2023)",
            "received_date",
            "02/05/23",
            invalid,
            "two-digit year",
        ),
        one(
            "two-digit-year-short",
            "two-digit year 2/5/23",
            "received_date",
            "2/5/23",
            invalid,
            "two-digit year",
        ),
        one(
            "two-digit-year-iso",
            "two-digit year first 23-05-02",
            "received_date",
            "23-05-02",
            invalid,
            "two-digit year",
        ),
        one(
            "two-digit-year-closed",
            "two-digit year in closed_date 20/05/23",
            "closed_date",
            "20/05/23",
            "invalid_closed_date",
            "two-digit year",
        ),
        one(
            "two-digit-year-timestamp",
            "two-digit year in last_modified 20/05/23 10:00",
            "last_modified",
            "20/05/23 10:00",
            "invalid_last_modified",
            "two-digit year",
        ),
        one("year-0023", "year 0023 (before 1900)", "received_date", "0023-05-02", invalid),
        one(
            "excel-serial-in-csv",
            "an Excel serial day number 45048 in a CSV",
            "received_date",
            "45048",
            invalid,
            "Excel serial",
        ),
        one(
            "dotted",
            "dotted 02.05.2023 (not a contract format)",
            "received_date",
            "02.05.2023",
            invalid,
        ),
        one("words", "2 May 2023 in words", "received_date", "2 May 2023", invalid),
        one(
            "future-uk",
            "future date in UK order 01/07/2024 (the run date is 30/06/2024)",
            "received_date",
            "01/07/2024",
            "received_date_in_future",
            "is after the run date",
            closed_date="",
            status="open",
            outcome="",
        ),
        one(
            "future-far",
            "far future 2099-01-01",
            "received_date",
            "2099-01-01",
            "received_date_in_future",
            closed_date="",
            status="open",
            outcome="",
        ),
        Case(
            "date-run-date-is-not-future",
            "dates",
            "received on the run date itself (not in the future)",
            {
                "cases.csv": cases_csv(
                    case(1, received_date="30/06/2024", closed_date="", status="open", outcome="")
                )
            },
            {"cases.csv": accepted(1, values=("received_date", ((AS_OF,),)))},
        ),
        Case(
            "date-uk-ambiguous",
            "dates",
            "05/02/2023 is 5 February (UK order; a US-order date with a day up to 12"
            " cannot be told apart)",
            {"cases.csv": cases_csv(case(1, received_date="05/02/2023"))},
            {"cases.csv": accepted(1, values=("received_date", ((dt.date(2023, 2, 5),),)))},
        ),
        Case(
            "date-leap-day",
            "dates",
            "29/02/2024 (a leap year) is a real date",
            {"cases.csv": cases_csv(case(1, received_date="29/02/2024", closed_date="2024-03-10"))},
            {"cases.csv": accepted(1, values=("received_date", ((dt.date(2024, 2, 29),),)))},
        ),
        one(
            "timestamp-with-zone",
            "last_modified with a time zone, 2023-05-20T10:00:00Z (not a contract format)",
            "last_modified",
            "2023-05-20T10:00:00Z",
            "invalid_last_modified",
        ),
        Case(
            "date-future-closed-date",
            "dates",
            "closed_date after the run date (the contract checks received_date only: accepted)",
            {"cases.csv": cases_csv(case(1, closed_date="2024-07-15"))},
            {"cases.csv": accepted(1, values=("closed_date", ((dt.date(2024, 7, 15),),)))},
        ),
        Case(
            "date-with-time",
            "dates",
            "dates with a time part, ISO and UK (the contract allows both)",
            {
                "cases.csv": cases_csv(
                    case(1, received_date="2023-05-02 14:05:00"),
                    case(2, received_date="02/05/2023 14:05"),
                    case(3, received_date="2023-05-02T14:05"),
                )
            },
            {"cases.csv": accepted(3, values=("received_date", ((dt.date(2023, 5, 2),),) * 3))},
        ),
    ]


# --- file shape -------------------------------------------------------------------------------


def lines(*rows: str, newline: str = "\n", end: str = "\n") -> bytes:
    return (newline.join(rows) + end).encode("utf-8")


def csv_line(row: dict[str, str]) -> str:
    """One cases row as a CSV line (for rows without line breaks in their values)."""
    return cases_csv(row).decode().splitlines()[1]


def shape_cases() -> list[Case]:
    header = ",".join(HEADER)
    row1, row2, row3 = (csv_line(case(n)) for n in (1, 2, 3))
    refs = lambda *ns: ("case_ref", tuple((f"C{n}",) for n in ns))  # noqa: E731
    no_status = [c for c in HEADER if c != "status"]
    no_dates = [c for c in HEADER if c not in ("received_date", "last_modified")]
    no_channel = [c for c in HEADER if c != "channel"]
    no_outcome = [c for c in HEADER if c != "outcome"]
    with_extra = [*HEADER, "Officer", "Internal notes"]
    extra_between = [*HEADER[:5], "Team", *HEADER[5:]]
    reversed_header = HEADER[::-1]
    sorted_header = sorted(HEADER)
    open_case = case(2, status="open", closed_date="", outcome="")
    plain = {"directorate": "Adult Social Care"}  # no quoted values after the stray quote
    unclosed = csv_line(case(2, **plain)).replace("Quality of service", '"Quality of service')
    truncated = row3[: len(row3) // 2]
    quoted_cut = row3[: row3.index("Growth") + 10].replace("Growth", '"Growth', 1)
    shout = ",".join(f"  {c.upper()} " for c in HEADER)
    spaced = case(1, status="  Closed ", outcome=" Partly Upheld", channel="Online Form")
    return [
        Case(
            "shape-empty-file",
            "file shape",
            "an empty file (0 bytes)",
            {"cases.csv": b""},
            {"cases.csv": failed("cases.csv", "empty")},
        ),
        Case(
            "shape-blank-lines-only",
            "file shape",
            "blank and whitespace-only lines",
            {"cases.csv": b"\n  \r\n\t\n"},
            {"cases.csv": failed("empty")},
        ),
        Case(
            "shape-header-only",
            "file shape",
            "a header and no rows",
            {"cases.csv": lines(header)},
            {"cases.csv": Expect("loaded", (0, 0, 0), message=("header only",))},
        ),
        Case(
            "shape-header-then-empty-rows",
            "file shape",
            "a header, blank lines and rows of empty cells (not records)",
            {"cases.csv": lines(header, "", ",,,,", "," * 18, "")},
            {"cases.csv": Expect("loaded", (0, 0, 0), message=("header only",))},
        ),
        Case(
            "shape-header-twice-at-top",
            "file shape",
            "the header row twice at the top",
            {"cases.csv": lines(header, header, row1)},
            {"cases.csv": loaded(2, 1, 1, (2, "repeated_header_row"), values=refs(1))},
        ),
        Case(
            "shape-two-exports-concatenated",
            "file shape",
            "two exports pasted together: the header again mid-file",
            {"cases.csv": lines(header, row1, row2, header, row3)},
            {"cases.csv": loaded(4, 3, 1, (4, "repeated_header_row"), values=refs(1, 2, 3))},
        ),
        Case(
            "shape-duplicated-column",
            "file shape",
            "a column named twice in the header",
            {"cases.csv": lines(header + ",Status", row1 + ",closed")},
            {"cases.csv": failed("duplicated column", "status")},
        ),
        Case(
            "shape-missing-required-column",
            "file shape",
            "the required status column absent",
            {"cases.csv": csv_bytes(no_status, [case(1)])},
            {"cases.csv": failed("missing status")},
        ),
        Case(
            "shape-missing-two-required-columns",
            "file shape",
            "received_date and last_modified absent",
            {"cases.csv": csv_bytes(no_dates, [case(1)])},
            {"cases.csv": failed("missing last_modified, received_date")},
        ),
        Case(
            "shape-missing-optional-column",
            "file shape",
            "the optional channel column absent",
            {"cases.csv": csv_bytes(no_channel, [case(1), case(2)])},
            {"cases.csv": accepted(2, values=("case_ref, channel", (("C1", None), ("C2", None))))},
        ),
        Case(
            "shape-missing-outcome-column",
            "file shape",
            "no outcome column: closed complaints need one, open ones do not",
            {"cases.csv": csv_bytes(no_outcome, [case(1), open_case])},
            {"cases.csv": loaded(2, 1, 1, (2, "closed_complaint_without_outcome"), values=refs(2))},
        ),
        Case(
            "shape-extra-columns",
            "file shape",
            "two unknown columns at the end (kept, ignored)",
            {
                "cases.csv": csv_bytes(
                    with_extra,
                    [{**case(1), "Officer": "A. Officer"}, {**case(2), "Internal notes": "x, y"}],
                )
            },
            {"cases.csv": accepted(2, values=refs(1, 2))},
        ),
        Case(
            "shape-extra-column-between",
            "file shape",
            "an unknown column among the known ones",
            {"cases.csv": csv_bytes(extra_between, [{**case(1), "Team": "North"}, case(2)])},
            {
                "cases.csv": accepted(
                    2,
                    values=(
                        "case_ref, directorate, service",
                        (
                            ("C1", "Growth, Environment and Transport", "Waste"),
                            ("C2", "Growth, Environment and Transport", "Waste"),
                        ),
                    ),
                )
            },
        ),
        Case(
            "shape-columns-reversed",
            "file shape",
            "every column in reverse order",
            {"cases.csv": csv_bytes(reversed_header, [case(1), open_case])},
            {
                "cases.csv": accepted(
                    2,
                    values=(
                        "case_ref, status, closed_date, outcome, received_date",
                        (
                            ("C1", "closed", dt.date(2023, 5, 20), "upheld", dt.date(2023, 5, 2)),
                            ("C2", "open", None, None, dt.date(2023, 5, 2)),
                        ),
                    ),
                )
            },
        ),
        Case(
            "shape-columns-alphabetical",
            "file shape",
            "columns sorted alphabetically",
            {"cases.csv": csv_bytes(sorted_header, [case(1), case(2)])},
            {"cases.csv": accepted(2, values=refs(1, 2))},
        ),
        Case(
            "shape-header-case-and-spaces",
            "file shape",
            "header in capitals, padded with spaces",
            {"cases.csv": lines(shout, row1)},
            {"cases.csv": accepted(1, values=refs(1))},
        ),
        Case(
            "shape-title-rows-above-header",
            "file shape",
            "two title lines and a blank line above the header; row numbers as a spreadsheet shows",
            {
                "cases.csv": lines(
                    "Complaints export",
                    "Generated 01/06/2024",
                    "",
                    header,
                    row1,
                    csv_line(case(2, status="pending")),
                )
            },
            {"cases.csv": loaded(2, 1, 1, (6, "invalid_status"), values=refs(1))},
        ),
        Case(
            "shape-header-below-row-20",
            "file shape",
            "the header after 21 lines of notes",
            {"cases.csv": lines(*(f"note {i}" for i in range(21)), header, row1)},
            {"cases.csv": failed("no header row", "note 0")},
        ),
        Case(
            "shape-semicolon-delimiter",
            "file shape",
            "semicolon-separated",
            {"cases.csv": cases_csv(case(1), case(2), delimiter=";")},
            {"cases.csv": failed("comma-separated")},
        ),
        Case(
            "shape-tab-delimiter",
            "file shape",
            "tab-separated",
            {"cases.csv": cases_csv(case(1), delimiter="\t")},
            {"cases.csv": failed("comma-separated")},
        ),
        Case(
            "shape-pipe-delimiter",
            "file shape",
            "pipe-separated",
            {"cases.csv": cases_csv(case(1), delimiter="|")},
            {"cases.csv": failed("comma-separated")},
        ),
        Case(
            "shape-quoted-newlines",
            "file shape",
            "a quoted value over three lines",
            {
                "cases.csv": cases_csv(
                    case(1, primary_reason="Quality of service\nand\ndelay"), case(2)
                )
            },
            {
                "cases.csv": accepted(
                    2,
                    values=(
                        "case_ref, primary_reason",
                        (("C1", "Quality of service\nand\ndelay"), ("C2", "Quality of service")),
                    ),
                )
            },
        ),
        Case(
            "shape-quoted-crlf-in-value",
            "file shape",
            "CRLF line endings and a CRLF in a value",
            {
                "cases.csv": cases_csv(
                    case(1, delay_reason="Workload\r\nand absence"), case(2), newline="\r\n"
                )
            },
            {
                "cases.csv": accepted(
                    2, values=("delay_reason", (("Workload\r\nand absence",), (None,)))
                )
            },
        ),
        Case(
            "shape-quotes-inside-values",
            "file shape",
            'escaped quotes: Waste "bins", doubled',
            {"cases.csv": cases_csv(case(1, service='Waste "bins", recycling'))},
            {"cases.csv": accepted(1, values=("service", (('Waste "bins", recycling',),)))},
        ),
        Case(
            "shape-unquoted-comma",
            "file shape",
            "a directorate with a comma, not quoted: one field too many",
            # The last column is filled, so the shifted row does not end in empty fields
            # (a reader may drop trailing empty fields).
            {
                "cases.csv": lines(
                    header, row1, csv_line(case(2, reopened_date="2023-06-01")).replace('"', "")
                )
            },
            {"cases.csv": loaded(2, 1, 1, (3, "wrong_column_count"), details=("unquoted comma",))},
        ),
        Case(
            "shape-too-few-fields",
            "file shape",
            "a row of 5 fields",
            {"cases.csv": lines(header, row1, "C2,,complaint,1,corporate")},
            {"cases.csv": loaded(2, 1, 1, (3, "wrong_column_count"), details=("5 fields",))},
        ),
        Case(
            "shape-truncated-last-line",
            "file shape",
            "the last line cut half-way, no newline",
            {"cases.csv": lines(header, row1, row2, truncated, end="")},
            {"cases.csv": loaded(3, 2, 1, (4, "wrong_column_count"), values=refs(1, 2))},
        ),
        Case(
            "shape-truncated-inside-quotes",
            "file shape",
            "the last line cut inside a quoted value",
            {"cases.csv": lines(header, row1, quoted_cut, end="")},
            {"cases.csv": loaded(2, 1, 1, (3, "wrong_column_count"))},
        ),
        Case(
            "shape-unclosed-quote",
            "file shape",
            "a quote opened mid-file and never closed (it swallows the lines after it)",
            {
                "cases.csv": lines(
                    header, row1, unclosed, *(csv_line(case(n, **plain)) for n in (3, 4))
                )
            },
            {"cases.csv": loaded(2, 1, 1, (3, "unclosed_quote"), details=("never closed",))},
        ),
        Case(
            "shape-mixed-line-endings",
            "file shape",
            "CRLF, LF and CR line endings in one file",
            {"cases.csv": (header + "\r\n" + row1 + "\n" + row2 + "\r" + row3 + "\r\n").encode()},
            {"cases.csv": accepted(3, values=refs(1, 2, 3))},
        ),
        Case(
            "shape-cr-line-endings",
            "file shape",
            "classic Mac CR line endings",
            {"cases.csv": lines(header, row1, row2, newline="\r", end="\r")},
            {"cases.csv": accepted(2, values=refs(1, 2))},
        ),
        Case(
            "shape-no-final-newline",
            "file shape",
            "no newline after the last row",
            {"cases.csv": lines(header, row1, row2, end="")},
            {"cases.csv": accepted(2, values=refs(1, 2))},
        ),
        Case(
            "shape-trailing-empty-fields",
            "file shape",
            "every row ends with ,,, (empty cells)",
            {"cases.csv": lines(header, row1 + ",,,", row2 + ",")},
            {"cases.csv": accepted(2, values=refs(1, 2))},
        ),
        Case(
            "shape-padded-values",
            "file shape",
            "values padded with spaces and enum values in other spellings",
            {"cases.csv": cases_csv({**spaced, "case_ref": "  C1 "})},
            {
                "cases.csv": accepted(
                    1,
                    values=(
                        "case_ref, status, outcome, channel",
                        (("C1", "closed", "partly_upheld", "online_form"),),
                    ),
                )
            },
        ),
        Case(
            "shape-blank-rows-between",
            "file shape",
            "blank lines and empty-cell rows between rows",
            {"cases.csv": lines(header, "", row1, ",,,", "", csv_line(case(2, status="x")))},
            {"cases.csv": loaded(2, 1, 1, (6, "invalid_status"), values=refs(1))},
        ),
        Case(
            "shape-field-over-16mb",
            "file shape",
            "one value of 17 MB (above the field limit)",
            {"cases.csv": cases_csv(case(1), case(2, primary_reason="x" * (17 << 20)))},
            {"cases.csv": failed("field larger than field limit")},
        ),
        Case(
            "shape-nul-bytes",
            "file shape",
            "a NUL byte inside a row",
            {"cases.csv": lines(header, row1.replace("Waste", "Wa\x00ste"))},
            {"cases.csv": failed("NUL")},
        ),
        Case(
            "shape-zip-named-csv",
            "file shape",
            "an XLSX renamed to .csv",
            {"cases.csv": b"PK\x03\x04" + b"\x14\x00" * 20},
            {"cases.csv": failed("looks like an XLSX")},
        ),
        Case(
            "shape-png-named-csv",
            "file shape",
            "an image renamed to .csv",
            {"cases.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))},
            {"cases.csv": failed("NUL")},
        ),
        Case(
            "shape-unknown-enum-spelling",
            "file shape",
            "E-mail for email: normalised to e_mail, which is not in the list",
            {"cases.csv": cases_csv(case(1), case(2, channel="E-mail"))},
            {"cases.csv": loaded(2, 1, 1, (3, "invalid_channel"), details=("'E-mail'",))},
        ),
    ]


# --- encodings --------------------------------------------------------------------------------


SMART_TEXT = "Café “service” \u2013 slow…"  # Windows-1252 has all of these (en dash)


def encoding_cases() -> list[Case]:
    pound = case(1, service="Parking £ fines", primary_reason=SMART_TEXT)
    text = cases_csv(pound, case(2)).decode()
    utf16 = text.encode("utf-16")
    payments = csv_bytes(
        ["payment_id", "case_ref", "amount_gbp", "payment_reason", "paid_date"],
        [
            ["P1", "C1", "£1,300.50", "Goodwill \u2013 café", "01/05/2023"],
            ["P2", "C1", "£5", "Refund", "2023-05-02"],
        ],
        encoding="cp1252",
    )
    good_utf8 = cases_csv(case(1, service="Café £"), case(2, service="Łódź ✓ 🙂"), case(3))
    bad_utf8 = good_utf8.replace(b"C2,", b"C2\xc3\x28,", 1)
    return [
        Case(
            "enc-utf16-le-bom",
            "encodings",
            "UTF-16 LE with a BOM, £ and curly quotes",
            {"cases.csv": utf16},
            {
                "cases.csv": accepted(
                    2,
                    values=(
                        "service, primary_reason",
                        (
                            ("Parking £ fines", SMART_TEXT),
                            ("Waste", "Quality of service"),
                        ),
                    ),
                )
            },
        ),
        Case(
            "enc-utf16-be-bom",
            "encodings",
            "UTF-16 BE with a BOM",
            {"cases.csv": codecs.BOM_UTF16_BE + text.encode("utf-16-be")},
            {"cases.csv": accepted(2, values=("service", (("Parking £ fines",), ("Waste",))))},
        ),
        Case(
            "enc-utf16-no-bom",
            "encodings",
            "UTF-16 without a BOM",
            {"cases.csv": text.encode("utf-16-le")},
            {"cases.csv": failed("NUL", "UTF-16")},
        ),
        Case(
            "enc-utf16-truncated",
            "encodings",
            "UTF-16 cut in the middle of a character",
            {"cases.csv": utf16[:-1]},
            {"cases.csv": failed("not valid utf-16")},
        ),
        Case(
            "enc-windows-1252-pounds",
            "encodings",
            "Windows-1252 payments: £ amounts with commas, an en dash, é",
            {"case_payments.csv": payments},
            {
                "case_payments.csv": accepted(
                    2,
                    values=(
                        "amount_gbp, payment_reason",
                        ((1300.50, "Goodwill \u2013 café"), (5.00, "Refund")),
                    ),
                )
            },
        ),
        Case(
            "enc-windows-1252-text",
            "encodings",
            "Windows-1252 cases with £ and curly quotes",
            {"cases.csv": text.encode("cp1252")},
            {
                "cases.csv": accepted(
                    2,
                    values=(
                        "service, primary_reason",
                        (
                            ("Parking £ fines", SMART_TEXT),
                            ("Waste", "Quality of service"),
                        ),
                    ),
                )
            },
        ),
        Case(
            "enc-utf8-bom",
            "encodings",
            "UTF-8 with a BOM (the first column still matches)",
            {"cases.csv": codecs.BOM_UTF8 + text.encode()},
            {
                "cases.csv": accepted(
                    2, values=("case_ref, service", (("C1", "Parking £ fines"), ("C2", "Waste")))
                )
            },
        ),
        Case(
            "enc-utf8-bom-crlf",
            "encodings",
            "UTF-8 with a BOM and CRLF (Excel's 'CSV UTF-8')",
            {"cases.csv": codecs.BOM_UTF8 + cases_csv(case(1), newline="\r\n")},
            {"cases.csv": accepted(1)},
        ),
        Case(
            "enc-utf8-multilingual",
            "encodings",
            "UTF-8 with accents, Polish letters, emoji",
            {"cases.csv": good_utf8},
            {
                "cases.csv": accepted(
                    3, values=("service", (("Café £",), ("Łódź ✓ 🙂",), ("Waste",)))
                )
            },
        ),
        Case(
            "enc-invalid-utf8-bytes",
            "encodings",
            "a UTF-8 file with one invalid byte sequence (0xC3 0x28) in one row",
            {"cases.csv": bad_utf8},
            {"cases.csv": loaded(3, 2, 1, (3, "invalid_encoding"), details=("0xc3",))},
        ),
        Case(
            "enc-utf8-bom-invalid-bytes",
            "encodings",
            "a BOM, then a byte that is not UTF-8",
            {"cases.csv": codecs.BOM_UTF8 + good_utf8.replace(b"Waste", b"Wa\xffste")},
            {"cases.csv": loaded(3, 2, 1, (4, "invalid_encoding"), details=("0xff",))},
        ),
        Case(
            "enc-neither-utf8-nor-1252",
            "encodings",
            "byte 0x81 (undefined in Windows-1252) in an otherwise ASCII file",
            {"cases.csv": cases_csv(case(1), case(2, service="Wa\x81ste"), encoding="latin-1")},
            {"cases.csv": failed("neither UTF-8 nor Windows-1252", "0x81", "line 3")},
        ),
    ]


# --- XLSX -------------------------------------------------------------------------------------


def xlsx_row(n: int = 1, **values: Any) -> list[Any]:
    """A valid cases row as a spreadsheet holds it: real dates, numbers, empty cells."""
    row: dict[str, Any] = {}
    for column in CASES.columns:
        text = case(n)[column.name]
        if not text:
            row[column.name] = None
        elif column.kind == "date":
            row[column.name] = dt.date.fromisoformat(text)
        elif column.kind == "timestamp":
            row[column.name] = dt.datetime.fromisoformat(text)
        elif column.kind == "int":
            row[column.name] = int(text)
        else:
            row[column.name] = text
    row.update(values)
    return [row[c] for c in HEADER]


def workbook(
    *sheets: tuple[str, list[list[Any]]],
    merge: str | None = None,
    hidden_rows: Iterable[int] = (),
    patch: Callable[[bytes], bytes] | None = None,
) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    first = book.worksheets[0]
    if merge:
        first.merge_cells(merge)
    for number in hidden_rows:
        first.row_dimensions[number].hidden = True
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return patch_member(data, "xl/worksheets/sheet1.xml", patch) if patch else data


def patch_member(data: bytes, member: str, patch: Callable[[bytes], bytes]) -> bytes:
    """The zip `data` with one member rewritten."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, patch(content) if info.filename == member else content)
    return out.getvalue()


def cache_formulas(results: dict[str, tuple[str, str]]) -> Callable[[bytes], bytes]:
    """Give formula cells a saved result, as Excel does: {cell: (type, value)}."""

    def patch(xml: bytes) -> bytes:
        for cell, (kind, value) in results.items():
            pattern = rb'<c r="' + cell.encode() + rb'"><f>(.*?)</f><v\s*/></c>'
            type_attr = f' t="{kind}"'.encode() if kind != "n" else b""
            replacement = (
                b'<c r="'
                + cell.encode()
                + b'"'
                + type_attr
                + rb"><f>\1</f><v>"
                + value.encode()
                + b"</v></c>"
            )
            xml, count = re.subn(pattern, replacement, xml)
            assert count == 1, cell
        return xml

    return patch


def entity_bomb(xml: bytes) -> bytes:
    """A 'billion laughs' DTD in the sheet: nine levels of ten-fold entity expansion."""
    entities = b'<!ENTITY e0 "lollollollollollollollollollol">' + b"".join(
        b'<!ENTITY e%d "%s">' % (i, b"&e%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
    return (
        b'<?xml version="1.0"?><!DOCTYPE worksheet ['
        + entities
        + b"]>"
        + body.replace(b"<t>C1</t>", b"<t>&e9;</t>", 1)
    )


def zip_bomb() -> bytes:
    """A workbook whose sheet member inflates 1,000-fold to 64 MB."""
    base = workbook(("Cases", [HEADER, xlsx_row(1)]))
    return patch_member(base, "xl/worksheets/sheet1.xml", lambda xml: xml + b" " * (64 << 20))


def xlsx_cases() -> list[Case]:
    header = list(HEADER)
    col = {name: chr(ord("A") + i) for i, name in enumerate(HEADER)}  # A..S
    refs = lambda *ns: ("case_ref", tuple((f"C{n}",) for n in ns))  # noqa: E731
    good = workbook(("Cases", [header, xlsx_row(1), xlsx_row(2)]))
    name = "cases.xlsx"
    return [
        Case(
            "xlsx-several-sheets",
            "XLSX",
            "three sheets: cases on the first, notes after",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1), xlsx_row(2)]),
                    ("Notes", [["not", "data"]]),
                    ("Lookups", [["a"], ["b"]]),
                )
            },
            {name: accepted(2, values=refs(1, 2), message=("'Cases' of 3",))},
        ),
        Case(
            "xlsx-data-on-second-sheet",
            "XLSX",
            "a notes sheet first, the cases second",
            {
                name: workbook(
                    ("Read me", [["Exported from CRM"]]), ("Cases", [header, xlsx_row(1)])
                )
            },
            {name: failed("no header row", "first sheet 'Read me' of 2")},
        ),
        Case(
            "xlsx-merged-title-row",
            "XLSX",
            "a merged title row and a blank row above the header",
            {
                name: workbook(
                    (
                        "Cases",
                        [
                            ["Complaints export, May 2023"],
                            [],
                            header,
                            xlsx_row(1),
                            xlsx_row(2, status="pending"),
                        ],
                    ),
                    merge="A1:S1",
                )
            },
            {name: loaded(2, 1, 1, (5, "invalid_status"), values=refs(1))},
        ),
        Case(
            "xlsx-hidden-rows",
            "XLSX",
            "rows hidden by a filter are still data (read)",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1), xlsx_row(2), xlsx_row(3)]), hidden_rows=(3, 4)
                )
            },
            {name: accepted(3, values=refs(1, 2, 3))},
        ),
        Case(
            "xlsx-formulas-with-saved-results",
            "XLSX",
            "formulas in stage and service with the results Excel saved (used)",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1, stage="=0+1", service='="Wa"&"ste"')]),
                    patch=cache_formulas(
                        {f"{col['stage']}2": ("n", "1"), f"{col['service']}2": ("str", "Waste")}
                    ),
                )
            },
            {name: accepted(1, values=("stage, service", ((1, "Waste"),)))},
        ),
        Case(
            "xlsx-formula-without-saved-result",
            "XLSX",
            "a formula whose result was never saved (not read as empty)",
            {name: workbook(("Cases", [header, xlsx_row(1), xlsx_row(2, outcome='="upheld"')]))},
            {
                name: loaded(
                    2, 1, 1, (3, "formula_without_value"), details=(f"cell {col['outcome']}3",)
                )
            },
        ),
        Case(
            "xlsx-excel-error-value",
            "XLSX",
            "a formula whose saved result is #REF!",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1), xlsx_row(2, directorate="=#REF!")]),
                    patch=cache_formulas({f"{col['directorate']}3": ("e", "#REF!")}),
                )
            },
            {name: loaded(2, 1, 1, (3, "excel_error_value"), details=("#REF!",))},
        ),
        Case(
            "xlsx-excel-serial-date",
            "XLSX",
            "received_date as the number 45048 (a date cell that lost its format)",
            {name: workbook(("Cases", [header, xlsx_row(1), xlsx_row(2, received_date=45048)]))},
            {name: loaded(2, 1, 1, (3, "invalid_received_date"), details=("Excel serial",))},
        ),
        Case(
            "xlsx-dates-with-times",
            "XLSX",
            "date cells holding a time (received at 14:05)",
            {
                name: workbook(
                    (
                        "Cases",
                        [
                            header,
                            xlsx_row(
                                1,
                                received_date=dt.datetime(2023, 5, 2, 14, 5),
                                last_modified=dt.datetime(2023, 5, 20, 10, 0, 30),
                            ),
                        ],
                    )
                )
            },
            {
                name: accepted(
                    1,
                    values=(
                        "received_date, last_modified",
                        ((dt.date(2023, 5, 2), dt.datetime(2023, 5, 20, 10, 0, 30)),),
                    ),
                )
            },
        ),
        Case(
            "xlsx-dates-as-text",
            "XLSX",
            "dates typed as text in UK order",
            {
                name: workbook(
                    (
                        "Cases",
                        [header, xlsx_row(1, received_date="02/05/2023", closed_date="20/05/2023")],
                    )
                )
            },
            {
                name: accepted(
                    1,
                    values=(
                        "received_date, closed_date",
                        ((dt.date(2023, 5, 2), dt.date(2023, 5, 20)),),
                    ),
                )
            },
        ),
        Case(
            "xlsx-numbers-as-floats",
            "XLSX",
            "stage stored as 2.0, case_ref as a number",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1, case_ref=1001, stage=2.0, parent_ref="C0")])
                )
            },
            {name: accepted(1, values=("case_ref, stage", (("1001", 2),)))},
        ),
        Case(
            "xlsx-stage-fraction",
            "XLSX",
            "stage 1.5 in a number cell (not rounded)",
            {name: workbook(("Cases", [header, xlsx_row(1), xlsx_row(2, stage=1.5)]))},
            {name: loaded(2, 1, 1, (3, "invalid_stage"))},
        ),
        Case(
            "xlsx-short-rows",
            "XLSX",
            "an empty last column: rows stop before it (padded, not wrong-shaped)",
            {name: workbook(("Cases", [[*header, "Notes"], xlsx_row(1), [*xlsx_row(2), "x"]]))},
            {name: accepted(2, values=refs(1, 2))},
        ),
        Case(
            "xlsx-huge-declared-dimension",
            "XLSX",
            "the sheet claims to span A1:XFD1048576 (rows are read as stored)",
            {
                name: workbook(
                    ("Cases", [header, xlsx_row(1)]),
                    patch=lambda xml: re.sub(
                        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml
                    ),
                )
            },
            {name: accepted(1, values=refs(1))},
        ),
        Case(
            "xlsx-value-right-of-header",
            "XLSX",
            "a value in a column right of the header",
            {name: workbook(("Cases", [header, xlsx_row(1), [*xlsx_row(2), None, "stray"]]))},
            {name: loaded(2, 1, 1, (3, "wrong_column_count"))},
        ),
        Case(
            "xlsx-late-start-and-gaps",
            "XLSX",
            "data from row 4, blank rows between; row numbers as Excel shows them",
            {
                name: workbook(
                    (
                        "Cases",
                        [[], [], [], header, xlsx_row(1), [], [], xlsx_row(2, status="pending")],
                    )
                )
            },
            {name: loaded(2, 1, 1, (8, "invalid_status"), values=refs(1))},
        ),
        Case(
            "xlsx-header-only",
            "XLSX",
            "a header and no rows",
            {name: workbook(("Cases", [header]))},
            {name: Expect("loaded", (0, 0, 0), message=("header only",))},
        ),
        Case(
            "xlsx-empty-sheet",
            "XLSX",
            "an empty first sheet",
            {name: workbook(("Empty", []), ("Cases", [header, xlsx_row(1)]))},
            {name: failed("empty", "'Empty' of 2")},
        ),
        Case(
            "xlsx-not-a-zip",
            "XLSX",
            "a CSV renamed to .xlsx",
            {name: cases_csv(case(1))},
            {name: failed("not a readable XLSX", "zip")},
        ),
        Case(
            "xlsx-old-xls-renamed",
            "XLSX",
            "an old binary .xls (OLE2) renamed to .xlsx",
            {name: bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504},
            {name: failed("not a readable XLSX", "zip")},
        ),
        Case(
            "xlsx-truncated",
            "XLSX",
            "a workbook cut in half (an interrupted upload)",
            {name: good[: len(good) // 2]},
            {name: failed("not a readable XLSX")},
        ),
        Case(
            "xlsx-zip-bomb",
            "XLSX (security)",
            "a sheet member that inflates 1,000-fold to 64 MB (refused before opening)",
            {name: zip_bomb()},
            {name: failed("decompression bomb", "xl/worksheets/sheet1.xml")},
        ),
        Case(
            "xlsx-xml-entity-bomb",
            "XLSX (security)",
            "a 'billion laughs' entity expansion in the sheet XML",
            {name: workbook(("Cases", [header, xlsx_row(1)]), patch=entity_bomb)},
            {name: failed("not a readable XLSX", "amplification")},
        ),
        Case(
            "xlsx-uncompressed-cap",
            "XLSX (security)",
            "a normal workbook above a configured 10,000-byte uncompressed cap",
            {name: workbook(("Cases", [header, xlsx_row(1), xlsx_row(7)]))},
            {name: failed("would expand to", "above the cap of 10,000 bytes")},
            limits=ReadLimits(xlsx_max_uncompressed_bytes=10_000),
        ),
    ]


# --- duplicates, money, escalations ---------------------------------------------------------

PAYMENT_COLUMNS = list(ENTITIES["case_payments"].column_names)


def payments(*amounts: str, **kw: Any) -> bytes:
    rows = [valid_row("case_payments", n, amount_gbp=a) for n, a in enumerate(amounts, start=1)]
    return csv_bytes(PAYMENT_COLUMNS, rows, **kw)


def money_cases() -> list[Case]:
    def ok(id_: str, what: str, amount: str, value: float) -> Case:
        return Case(
            f"money-{id_}",
            "money",
            what,
            {"case_payments.csv": payments("1.00", amount)},
            {"case_payments.csv": accepted(2, values=("amount_gbp", ((1.0,), (value,))))},
        )

    def bad(id_: str, what: str, amount: str, rule: str = "invalid_amount_gbp") -> Case:
        return Case(
            f"money-{id_}",
            "money",
            what,
            {"case_payments.csv": payments("1.00", amount)},
            {"case_payments.csv": loaded(2, 1, 1, (3, rule))},
        )

    unquoted = payments("1.00").decode() + "P2,C1,£1,300.00,Goodwill,2023-06-01,false\n"
    remedy = csv_bytes(
        ["lgsco_ref", "case_ref", "council_outcome", "remedy_amount_gbp"],
        [["23 001 567", "C1", "upheld", "£1,250"], ["23-002-567", "C2", "Not Upheld", ""]],
    )
    return [
        ok("pound-and-commas", "£1,300.50 (quoted)", "£1,300.50", 1300.50),
        ok("pound-and-space", "£ 25", "£ 25", 25.00),
        ok("thousands-without-pound", "2,000", "2,000", 2000.00),
        ok("millions", "£1,234,567.89", "£1,234,567.89", 1234567.89),
        ok("one-decimal", "£7.5 (one decimal place)", "£7.5", 7.50),
        bad("negative-pound-first", "-£5.00", "-£5.00", "negative_amount_gbp"),
        bad("pound-then-minus", "£-5", "£-5", "negative_amount_gbp"),
        bad("accounting-brackets", "(5.00): a negative in brackets", "(5.00)"),
        bad("sub-penny", "5.678: more precise than pence (not rounded)", "5.678"),
        bad("european-format", "1.234,56 (continental separators)", "1.234,56"),
        bad("misplaced-comma", "12,34 (not a thousands separator)", "12,34"),
        bad("pence-suffix", "50p", "50p"),
        bad("exponent", "1e3", "1e3"),
        bad("currency-word", "GBP 10", "GBP 10"),
        Case(
            "money-unquoted-pound-comma",
            "money",
            "£1,300.00 not quoted: one field too many",
            {"case_payments.csv": unquoted.encode()},
            {"case_payments.csv": loaded(2, 1, 1, (3, "wrong_column_count"))},
        ),
        Case(
            "money-ombudsman-remedy",
            "money",
            "an LGSCO remedy of £1,250; a ref with dashes",
            {"ombudsman_cases.csv": remedy},
            {
                "ombudsman_cases.csv": accepted(
                    2,
                    values=(
                        "lgsco_ref, council_outcome, remedy_amount_gbp",
                        (("23 001 567", "upheld", 1250.0), ("23 002 567", "not_upheld", None)),
                    ),
                )
            },
        ),
    ]


def duplicate_and_escalation_cases() -> list[Case]:
    later = case(2, outcome="not_upheld", last_modified="2023-06-01 09:00:00")
    with_note = [*HEADER, "Note"]
    return [
        Case(
            "dup-identical-rows",
            "duplicates",
            "the same row twice (one version, both kept)",
            {"cases.csv": cases_csv(case(1), case(2), case(2))},
            {"cases.csv": accepted(3, values=refs_of(1, 2, 2))},
        ),
        Case(
            "dup-two-versions",
            "duplicates",
            "the same case_ref with a newer last_modified: two versions, the warehouse keeps"
            " the newest",
            {"cases.csv": cases_csv(case(1), case(2), later)},
            {
                "cases.csv": accepted(
                    3,
                    values=(
                        "case_ref, outcome",
                        (("C1", "upheld"), ("C2", "upheld"), ("C2", "not_upheld")),
                    ),
                )
            },
        ),
        Case(
            "dup-differs-in-extra-column",
            "duplicates",
            "the same case twice, differing only in an unknown column (still a conflict)",
            {
                "cases.csv": csv_bytes(
                    with_note, [case(1), {**case(2), "Note": "a"}, {**case(2), "Note": "b"}]
                )
            },
            {
                "cases.csv": loaded(
                    3, 1, 2, (3, "duplicate_case_ref_in_file"), (4, "duplicate_case_ref_in_file")
                )
            },
        ),
        Case(
            "dup-three-copies-one-different",
            "duplicates",
            "three rows of one case_ref, one of them different",
            {"cases.csv": cases_csv(case(1), case(1), case(1, service="Parking"), case(2))},
            {
                "cases.csv": loaded(
                    4,
                    1,
                    3,
                    *((n, "duplicate_case_ref_in_file") for n in (2, 3, 4)),
                    values=refs_of(2),
                )
            },
        ),
        Case(
            "escalation-parent-missing",
            "escalations",
            "a stage 2 whose parent is not in the delivery (accepted; the warehouse flags"
            " escalation_type parent_not_found)",
            {"cases.csv": cases_csv(case(1), case(2, stage="2", parent_ref="C999"))},
            {
                "cases.csv": accepted(
                    2, values=("case_ref, stage, parent_ref", (("C1", 1, None), ("C2", 2, "C999")))
                )
            },
        ),
        Case(
            "escalation-parent-in-file",
            "escalations",
            "a stage 2 and its stage 1 parent",
            {"cases.csv": cases_csv(case(1), case(2, stage="2", parent_ref="C1"))},
            {
                "cases.csv": accepted(
                    2, values=("case_ref, parent_ref", (("C1", None), ("C2", "C1")))
                )
            },
        ),
        Case(
            "escalation-stage3-bypassing",
            "escalations",
            "a Children Act stage 3 with no parent (stage 1 bypassed: accepted)",
            {"cases.csv": cases_csv(case(1, stage="3", procedure="children_act"))},
            {"cases.csv": accepted(1, values=("stage, procedure", ((3, "children_act"),)))},
        ),
    ]


def refs_of(*ns: int) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    return ("case_ref", tuple((f"C{n}",) for n in ns))


# --- deliveries -----------------------------------------------------------------------------


def delivery_cases() -> list[Case]:
    reasons = csv_bytes(["case_ref", "reason"], [["C1", "Communications"]])
    wide_header = (
        "Reference,Escalated From,Type,Stage,Procedure,Directorate,Service,Received Via,"
        "Date Received,Date Acknowledged,Target Date,Extended Target Date,Date Responded,"
        "Status,Outcome,Main Reason,Reason For Delay,Ombudsman Ref,Last Updated,"
        "All Reasons,Actions Taken"
    )
    wide = lines(
        wide_header,
        "W1,,Stage 1 Complaint,1,Corporate,GET,Waste,Web Form,02/05/2023,,,,19/05/2023,"
        "Responded,Partially Upheld,Communications,,,19/05/2023 16:20,Communications;Delay,"
        "Formal apology",
        "W2,,Stage 1 Complaint,1,Corporate,GET,Waste,Web Form,02/05/2023,,,,,On Hold,,,,,"
        "19/05/2023 16:20,Delay,",
    )
    return [
        Case(
            "delivery-file-above-size-cap",
            "delivery",
            "a cases file above a configured 2,048-byte cap; a small file beside it still loads",
            {"cases.csv": cases_csv(*(case(n) for n in range(1, 20))), "case_reasons.csv": reasons},
            {
                "cases.csv": failed("above the size cap of 2,048 bytes"),
                "case_reasons.csv": accepted(1),
            },
            limits=ReadLimits(max_file_bytes=2048),
        ),
        Case(
            "delivery-xls-file",
            "delivery",
            "cases.xls: an old Excel format (not read)",
            {"cases.xls": bytes.fromhex("d0cf11e0a1b11ae1") + b"\x01" * 504},
            {"cases.xls": failed("unsupported file type '.xls'")},
        ),
        Case(
            "delivery-txt-named-like-cases",
            "delivery",
            "cases.txt: a text export",
            {"cases.txt": cases_csv(case(5))},
            {"cases.txt": failed("unsupported file type '.txt'", "CSV or XLSX")},
        ),
        Case(
            "delivery-unrelated-file",
            "delivery",
            "a README beside the cases (ignored)",
            {"cases.csv": cases_csv(case(6)), "README.txt": b"Exported by CRM v2"},
            {
                "cases.csv": accepted(1),
                "README.txt": Expect("ignored", message=("no file pattern",)),
            },
        ),
        Case(
            "delivery-csv-and-xlsx-of-cases",
            "delivery",
            "cases.csv and cases.xlsx in one delivery (neither overwrites the other)",
            {
                "cases.csv": cases_csv(case(1), case(2)),
                "cases.xlsx": workbook(("Cases", [HEADER, xlsx_row(3)])),
            },
            {
                "cases.csv": accepted(2, values=refs_of(1, 2)),
                "cases.xlsx": accepted(1, values=refs_of(3)),
            },
        ),
        Case(
            "delivery-one-good-one-unreadable",
            "delivery",
            "a good cases file and an empty payments file",
            {"cases.csv": cases_csv(case(8)), "case_payments.csv": b"\n"},
            {"cases.csv": accepted(1), "case_payments.csv": failed("empty")},
        ),
        Case(
            "delivery-wide-export-unknown-value",
            "delivery",
            "a wide export (example mapping): a status its value map does not know",
            {"complaints_export.csv": wide},
            {
                "complaints_export.csv#cases": loaded(
                    2, 1, 1, (3, "invalid_status"), details=("'On Hold'",)
                ),
                "complaints_export.csv#case_reasons": accepted(2),
                "complaints_export.csv#case_actions": accepted(1),
            },
            mapping="example_wide_export.yml",
        ),
    ]


# --- the corpus -------------------------------------------------------------------------------

CORPUS: list[Case] = [
    *contract_rule_cases(),
    *date_cases(),
    *shape_cases(),
    *encoding_cases(),
    *xlsx_cases(),
    *money_cases(),
    *duplicate_and_escalation_cases(),
    *delivery_cases(),
]


def file_and_entity(key: str) -> tuple[str, str | None]:
    """`cases.csv` -> (cases.csv, None); `export.csv#case_reasons` -> (export.csv, case_reasons)."""
    name, _, entity = key.partition("#")
    return name, entity or None


def expected_entity(case: Case, key: str) -> str | None:
    """The entity a file of the case is read as (None: no mapping reads it)."""
    name, entity = file_and_entity(key)
    if entity or case.expect[key].entity:
        return entity or case.expect[key].entity
    file_mapping = _mapping(case.mapping).for_file(name)
    return file_mapping.entity if file_mapping else None


@functools.cache
def _mapping(name: str | None) -> Mapping:
    return load_mapping(MAPPINGS_DIR / name if name else None)


def covered_rules(case: Case) -> set[tuple[str, str]]:
    """(entity, rule) pairs the case's expected rejects exercise."""
    covered = set(case.covers)
    for key, expect in case.expect.items():
        entity = expected_entity(case, key)
        covered |= {(entity, rule) for _, rule in expect.rejects if entity}
    return covered
