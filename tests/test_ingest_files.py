"""Reading, mapping and validating delivered files (ingest without Prefect or dbt)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from ingest.contract import CASES
from ingest.landing import land_delivery
from ingest.mapping import IDENTITY_MAPPING, MAPPINGS_DIR, MappingError, load_mapping
from ingest.readers import UnreadableFileError, detect_encoding, read_delivery_file
from ingest.run import ingest_pending

HEADER = ",".join(CASES.column_names)
AS_OF = dt.date(2024, 6, 30)


def case_row(case_ref: str = "C1", **values: str) -> str:
    """A valid closed stage 1 complaint as a CSV line, with some columns overridden."""
    row = {
        "case_ref": case_ref,
        "feedback_type": "complaint",
        "stage": "1",
        "procedure": "corporate",
        "directorate": "Growth, Environment and Transport",
        "service": "Waste",
        "channel": "email",
        "received_date": "2023-05-02",
        "closed_date": "2023-05-20",
        "status": "closed",
        "outcome": "upheld",
        "last_modified": "2023-05-20 10:00:00",
    }
    row.update(values)
    return ",".join(
        f'"{row[c]}"' if "," in row.get(c, "") else row.get(c, "") for c in CASES.column_names
    )


def ingest_files(tmp_path: Path, files: dict[str, bytes | str], mapping: Path | None = None):
    """Land `files` as one delivery and ingest it; return the report and a query helper."""
    drop = tmp_path / "drop"
    drop.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (drop / name).write_bytes(data)
    landing = tmp_path / "landing"
    land_delivery(drop, landing, "test")
    report = ingest_pending(landing, load_mapping(mapping), AS_OF)

    def query(sql: str) -> list[tuple]:
        root = landing / "_validated"
        sql = sql.replace("{v}", str(root))
        return duckdb.execute(sql).fetchall()

    return report, query


def rejected(query) -> list[tuple]:
    return query(
        "select row_number, rule from read_parquet('{v}/rejected_rows/*.parquet')"
        " order by row_number"
    )


# --- encodings and shapes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"case_ref\nC1\n", "utf-8"),
        (b"\xef\xbb\xbfcase_ref\nC1\n", "utf-8-sig"),
        ("case_ref,amount\nC1,£5\n".encode("cp1252"), "cp1252"),
        ("case_ref\nC1\n".encode("utf-16"), "utf-16"),
    ],
)
def test_detect_encoding(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == encoding


def test_windows_1252_pound_signs_survive(tmp_path: Path) -> None:
    header = "payment_id,case_ref,amount_gbp,payment_reason,paid_date\n"
    content = header + "P1,C1,£1,300.00,Goodwill,01/05/2023\n"
    _, query = ingest_files(tmp_path, {"case_payments.csv": content.encode("cp1252")})
    # "£1,300.00" unquoted splits into two fields: a wrong-shaped row, kept with its rule.
    assert rejected(query) == [(2, "wrong_column_count")]
    content = header + 'P1,C1,"£1,300.50",Goodwill,01/05/2023\n'
    _, query = ingest_files(tmp_path / "b", {"case_payments.csv": content.encode("cp1252")})
    assert query(
        "select amount_gbp, paid_date from read_parquet('{v}/case_payments/2*.parquet')"
    ) == [(pytest.approx(1300.50), dt.date(2023, 5, 1))]


def test_header_is_found_below_a_title_row_and_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(f"Complaints export November 2026\n\n{HEADER}\n{case_row()}\n\n")
    result = read_delivery_file(path, {"case_ref", "status"}, tmp_path / "out.csv")
    assert result.header == list(CASES.column_names)
    assert result.rows_read == 1
    assert (tmp_path / "out.csv").read_text().splitlines()[1].startswith("4,C1,")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("case_ref;feedback_type;status\nC1;complaint;open\n", "comma-separated"),
        ("ref,type\nC1,complaint\n", "missing"),
        ("case_ref,case_ref,status\n", "duplicated column"),
    ],
)
def test_unreadable_csv_names_file_and_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(content)
    with pytest.raises(UnreadableFileError) as error:
        read_delivery_file(path, {"case_ref", "status"}, tmp_path / "out.csv")
    assert "cases.csv" in str(error.value)
    assert message in str(error.value)


def test_shape_errors_are_rejected_rows_not_lost(tmp_path: Path) -> None:
    content = "\n".join([HEADER, case_row("C1"), "C2,only,three", HEADER, case_row("C3")]) + "\n"
    report, query = ingest_files(tmp_path, {"cases.csv": content})
    outcome = report.files[0]
    assert (outcome.rows_read, outcome.rows_accepted, outcome.rows_rejected) == (4, 2, 2)
    assert rejected(query) == [(3, "wrong_column_count"), (4, "repeated_header_row")]


def test_xlsx_first_sheet_with_real_dates(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(CASES.column_names))
    values = dict(zip(CASES.column_names, next(csv.reader([case_row("X1")])), strict=True))
    values["received_date"] = dt.datetime(2023, 5, 2)
    values["closed_date"] = dt.date(2023, 5, 20)
    values["stage"] = 1.0
    sheet.append([values[c] or None for c in CASES.column_names])
    workbook.create_sheet("Notes").append(["ignored"])
    workbook.save(tmp_path / "cases.xlsx")
    files = {"cases.xlsx": (tmp_path / "cases.xlsx").read_bytes()}
    report, query = ingest_files(tmp_path / "run", files)
    assert report.failed_files == []
    rows = query("select case_ref, stage, received_date from read_parquet('{v}/cases/2*.parquet')")
    assert rows == [("X1", 1, dt.date(2023, 5, 2))]


# --- contract rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({"case_ref": ""}, "case_ref_missing"),
        ({"received_date": ""}, "received_date_missing"),
        ({"received_date": "31/02/2023"}, "invalid_received_date"),
        ({"received_date": "12/31/2023"}, "invalid_received_date"),  # US order is never read
        ({"received_date": "02/05/23"}, "invalid_received_date"),  # two-digit year
        ({"received_date": "2024-07-01", "closed_date": ""}, "received_date_in_future"),
        ({"closed_date": "2023-04-30"}, "closed_before_received"),
        ({"closed_date": ""}, "closed_without_closed_date"),
        ({"outcome": ""}, "closed_complaint_without_outcome"),
        ({"feedback_type": "moan"}, "invalid_feedback_type"),
        ({"status": "pending"}, "invalid_status"),
        ({"channel": "pigeon"}, "invalid_channel"),
        ({"procedure": "informal"}, "invalid_procedure"),
        ({"outcome": "upheld-ish"}, "invalid_outcome"),
        ({"stage": "4"}, "invalid_stage"),
        ({"stage": "one"}, "invalid_stage"),
        ({"stage": ""}, "complaint_without_stage"),
        ({"procedure": ""}, "complaint_without_procedure"),
        ({"directorate": ""}, "directorate_missing"),
        ({"last_modified": "yesterday"}, "invalid_last_modified"),
        ({"lgsco_ref": "12345"}, "invalid_lgsco_ref"),
    ],
)
def test_each_contract_rule_quarantines_with_its_name(
    tmp_path: Path, values: dict[str, str], rule: str
) -> None:
    content = f"{HEADER}\n{case_row('GOOD')}\n{case_row(**{'case_ref': 'BAD', **values})}\n"
    report, query = ingest_files(tmp_path, {"cases.csv": content})
    assert rejected(query)[0] == (3, rule)
    outcome = report.files[0]
    assert (outcome.rows_read, outcome.rows_accepted, outcome.rows_rejected) == (2, 1, 1)
    details = query("select details, raw_values from read_parquet('{v}/rejected_rows/*.parquet')")
    assert details[0][0]  # a message in words
    raw = json.loads(details[0][1])
    assert raw["case_ref"] == ("BAD" if values.get("case_ref") is None else None)


def test_uk_and_iso_dates_and_normalised_values(tmp_path: Path) -> None:
    content = "\n".join(
        [
            HEADER,
            case_row(
                "C1", received_date="03/04/2023", closed_date="2023-04-20", outcome="Partly Upheld"
            ),
            case_row(
                "C2",
                received_date="03/04/2023 14:05",
                channel="Online Form",
                lgsco_ref="23-004-567",
            ),
        ]
    )
    report, query = ingest_files(tmp_path, {"cases.csv": content})
    assert report.total("rows_rejected") == 0
    rows = query(
        "select case_ref, received_date, outcome, channel, lgsco_ref"
        " from read_parquet('{v}/cases/2*.parquet') order by 1"
    )
    assert rows == [
        ("C1", dt.date(2023, 4, 3), "partly_upheld", "email", None),
        ("C2", dt.date(2023, 4, 3), "upheld", "online_form", "23 004 567"),
    ]


def test_duplicate_case_ref_with_different_content_is_rejected(tmp_path: Path) -> None:
    content = "\n".join(
        [
            HEADER,
            case_row("C1"),
            case_row("C1", outcome="not_upheld"),
            case_row("C2"),
            case_row("C2"),
        ]
    )
    report, query = ingest_files(tmp_path, {"cases.csv": content})
    assert rejected(query) == [(2, "duplicate_case_ref_in_file"), (3, "duplicate_case_ref_in_file")]
    assert report.files[0].rows_accepted == 2  # identical C2 rows are the same version


def test_negative_payment_is_rejected(tmp_path: Path) -> None:
    content = (
        "payment_id,case_ref,amount_gbp,paid_date\nP1,C1,-5.00,2023-05-01\nP2,C1,£5,2023-05-01\n"
    )
    _, query = ingest_files(tmp_path, {"case_payments.csv": content})
    assert rejected(query) == [(2, "negative_amount_gbp")]


# --- mappings ---------------------------------------------------------------------------


def test_identity_and_example_mappings_load() -> None:
    identity = load_mapping()
    assert identity.source == IDENTITY_MAPPING
    assert identity.for_file("cases_2024-11.csv").entity == "cases"
    assert identity.for_file("case_reasons.xlsx").entity == "case_reasons"
    assert identity.for_file("notes.txt") is None
    wide = load_mapping(MAPPINGS_DIR / "example_wide_export.yml")
    assert [f.entity for f in wide.derived_from("cases")] == ["case_reasons", "case_actions"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("files: {tickets: {pattern: x}}", "unknown entity"),
        ("files: {cases: {pattern: x, columns: {colour: Colour}}}", "not a column of cases"),
        ("files: {cases: {columns: {case_ref: Ref}}}", "needs 'pattern'"),
        ("files: {case_reasons: {from: cases}}", "needs 'split'"),
        ("name: no files", "files:"),
    ],
)
def test_bad_mapping_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mapping.yml"
    path.write_text(text)
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_wide_export_with_semicolon_separated_reasons_and_actions(tmp_path: Path) -> None:
    header = (
        "Reference,Escalated From,Type,Stage,Procedure,Directorate,Service,Received Via,"
        "Date Received,Date Acknowledged,Target Date,Extended Target Date,Date Responded,"
        "Status,Outcome,Main Reason,Reason For Delay,Ombudsman Ref,Last Updated,"
        "All Reasons,Actions Taken,Officer"
    )
    rows = [
        "W1,,Stage 1 Complaint,1,Corporate,GET,Waste,Web Form,02/05/2023,03/05/2023,,,"
        "19/05/2023,Responded,Partially Upheld,Quality of service,,,19/05/2023 16:20,"
        '"Quality of service; Communications",Formal apology;Explanation,A. Officer',
        "W2,W1,Stage 2 Complaint,2,Corporate,GET,Waste,Telephone,22/05/2023,,,,,Live,,"
        "Communications,,,22/05/2023 09:00,Communications,,B. Officer",
        "W3,,MP Enquiry,,,GET,,Telephone,31/02/2023,,,,,Live,,,,,01/03/2023 09:00,x,y,C",
    ]
    mapping = MAPPINGS_DIR / "example_wide_export.yml"
    report, query = ingest_files(
        tmp_path, {"complaints_export_2023.csv": "\n".join([header, *rows])}, mapping
    )
    by_entity = {f.entity: (f.rows_read, f.rows_accepted, f.rows_rejected) for f in report.files}
    assert by_entity == {"cases": (3, 2, 1), "case_reasons": (3, 3, 0), "case_actions": (2, 2, 0)}
    cases = query(
        "select case_ref, feedback_type, status, outcome, channel, last_modified"
        " from read_parquet('{v}/cases/2*.parquet') order by 1"
    )
    assert cases == [
        (
            "W1",
            "complaint",
            "closed",
            "partly_upheld",
            "online_form",
            dt.datetime(2023, 5, 19, 16, 20),
        ),
        ("W2", "complaint", "open", None, "phone", dt.datetime(2023, 5, 22, 9, 0)),
    ]
    reasons = query(
        "select case_ref, reason, is_primary from read_parquet('{v}/case_reasons/2*.parquet')"
        " order by 1, 2"
    )
    assert reasons == [
        ("W1", "Communications", False),
        ("W1", "Quality of service", True),
        ("W2", "Communications", True),
    ]
    actions = query("select action from read_parquet('{v}/case_actions/2*.parquet') order by 1")
    assert actions == [("Explanation",), ("Formal apology",)]
    assert rejected(query) == [(4, "invalid_received_date")]  # W3's children are not split out
