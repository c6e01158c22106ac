"""Read the LGSCO's all-authorities annual statistics files (CSV or XLSX) into tidy records.

The files (complaints received, complaints decided, remedy and compliance) have title and note
lines above the header row, sometimes a super-header ("Detailed investigations") too. The
header row is the first row (within the first ``HEADER_SEARCH_ROWS``) that has an organisation
column ("Organisation", "Authority name", "Local authority", ...) and at least two columns
whose labels are known measures; labels are matched case-, punctuation- and apostrophe-blind,
``&`` = ``and``. Columns with unknown labels are ignored (and logged).

Measures (``measure`` / ``subject_area``):

* received: ``received`` with ``subject_area`` one of :data:`SUBJECT_AREAS`; the Total column
  is ``received_total``.
* decisions up to 2023-24: ``upheld``, ``not_upheld``, ``advice_given``,
  ``closed_after_initial_enquiries``, ``incomplete_or_invalid``,
  ``referred_back_for_local_resolution``, ``decided_total``.
* decisions from 2024-25: ``complaints_dealt_with``, ``not_for_us``, ``assessed_and_closed``,
  ``investigated``, ``upheld``.
* either scheme: ``uphold_rate_pct``, ``similar_uphold_rate_pct``, ``upheld_per_100k``.
* remedy and compliance: ``compliance_satisfied`` (outcomes where the Ombudsman was satisfied),
  ``compliance_outcomes`` (all outcomes recorded), ``compliance_rate_pct``,
  ``satisfactory_remedy`` (upheld cases already remedied by the authority), ``upheld``,
  ``satisfactory_remedy_pct``.

Percentages are in percent (``98%`` and an Excel 0.98 formatted as a percentage both give
98.0); counts are ints. Blank, ``-``, ``n/a`` and ``*`` cells produce no record.

The year comes from, in order: a Year column; the ``year`` argument; the title lines above the
header (``2023-24``, ``2023/24``, ``1 April 2023 to 31 March 2024``); the file name (``...-23-24``
-> ``2023/24``; note the name may denote the publication rather than the data year, so prefer
files whose title states it). Years are written ``2023/24``.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapers.lgsco.client import PoliteClient, decode_body
from scrapers.lgsco.normalise import clean_text, normalise_organisation
from scrapers.lgsco.storage import atomic_write_bytes

__all__ = [
    "SUBJECT_AREAS",
    "AnnualStatsError",
    "StatRecord",
    "fetch_annual_stats",
    "normalise_year",
    "read_annual_stats",
    "read_annual_stats_folder",
]

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 50

SUBJECT_AREAS = (
    "Adult care services",
    "Benefits and tax",
    "Corporate and other services",
    "Education and children's services",
    "Environmental services",
    "Highways and transport",
    "Housing",
    "Planning and development",
    "Other",
)


class AnnualStatsError(ValueError):
    """An annual statistics file could not be read; the message names the file."""

    def __init__(self, source: str | Path, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = str(source)
        self.problem = problem


@dataclass(frozen=True)
class StatRecord:
    """One value: (year, organisation, measure[, subject area]) -> value."""

    year: str
    organisation: str
    organisation_key: str
    authority_type: str | None
    measure: str
    value: int | float
    subject_area: str | None
    source_file: str

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "organisation": self.organisation,
            "organisation_key": self.organisation_key,
            "authority_type": self.authority_type,
            "measure": self.measure,
            "subject_area": self.subject_area,
            "value": self.value,
            "source_file": self.source_file,
        }


def _key(label: object) -> str:
    text = str(label or "").casefold().replace("\u2019", "").replace("'", "").replace("&", " and ")
    text = text.replace("%", " percent ")
    return clean_text(re.sub(r"[^0-9a-z]+", " ", text))


_ORGANISATION_LABELS = {
    _key(label)
    for label in (
        "Organisation",
        "Organisation name",
        "Authority",
        "Authority name",
        "Local authority",
        "Local authority name",
        "Council",
        "Council name",
        "Name",
    )
}
_TYPE_LABELS = {
    _key(label)
    for label in (
        "Authority type",
        "Organisation type",
        "Type",
        "Council type",
        "Type of authority",
    )
}
_YEAR_LABELS = {_key(label) for label in ("Year", "Financial year", "Business year", "Period")}


def _aliases(*pairs: tuple[str, Sequence[str]]) -> dict[str, str]:
    return {_key(label): measure for measure, labels in pairs for label in labels}


_SUBJECT_LABELS = {_key(area): area for area in SUBJECT_AREAS} | {
    _key("Adult social care"): "Adult care services",
    _key("Education and children services"): "Education and children's services",
    _key("Environment services"): "Environmental services",
    _key("Highways and Transport"): "Highways and transport",
}
_MEASURE_LABELS = _aliases(
    ("upheld", ("Upheld", "Upheld cases", "Upheld decisions", "Number upheld")),
    ("not_upheld", ("Not upheld",)),
    ("advice_given", ("Advice given",)),
    ("closed_after_initial_enquiries", ("Closed after initial enquiries",)),
    ("incomplete_or_invalid", ("Incomplete/Invalid", "Incomplete or invalid", "Incomplete")),
    (
        "referred_back_for_local_resolution",
        ("Referred back for local resolution", "Referred back to council for local resolution"),
    ),
    ("complaints_dealt_with", ("Complaints dealt with", "Total complaints dealt with")),
    ("not_for_us", ("Not for us",)),
    ("assessed_and_closed", ("Assessed and closed",)),
    ("investigated", ("Investigated", "Detailed investigations", "Complaints investigated")),
    ("uphold_rate_pct", ("Uphold rate", "Uphold rate (%)", "Upheld rate", "% upheld")),
    (
        "similar_uphold_rate_pct",
        ("Average uphold rate of similar authorities", "Similar authorities uphold rate"),
    ),
    (
        "upheld_per_100k",
        ("Upheld per 100,000 residents", "Upheld decisions per 100,000 residents"),
    ),
    (
        "compliance_satisfied",
        (
            "Compliance outcomes where satisfied",
            "Compliance outcomes where the Ombudsman was satisfied",
            "Satisfied compliance outcomes",
        ),
    ),
    (
        "compliance_outcomes",
        ("All compliance outcomes", "Compliance outcomes", "Total compliance outcomes"),
    ),
    (
        "compliance_rate_pct",
        ("Compliance rate", "Compliance rate (%)", "Compliance with recommendations"),
    ),
    (
        "satisfactory_remedy",
        (
            "Satisfactory remedy",
            "Satisfactory remedy provided by authority",
            "Satisfactory remedy provided before complaint reached the Ombudsman",
        ),
    ),
    ("satisfactory_remedy_pct", ("Satisfactory remedy rate", "Satisfactory remedy (%)")),
)
_TOTAL_LABELS = {_key("Total"), _key("Total decided"), _key("Total received"), _key("Grand total")}
_EMPTY_VALUES = {"", "-", "\u2013", "n/a", "na", "*", "..", "x"}


@dataclass(frozen=True)
class _Cell:
    value: Any
    percent_format: bool = False


@dataclass(frozen=True)
class _Column:
    index: int
    measure: str
    subject_area: str | None


def read_annual_stats(path: str | Path, *, year: str | None = None) -> list[StatRecord]:
    """Tidy records from one CSV or XLSX file (every sheet of a workbook is tried).

    Raises:
        AnnualStatsError: unreadable file, no header row, or no way to tell the year.
    """
    path = Path(path)
    suffix = path.suffix.casefold()
    if suffix == ".csv":
        tables = [("", _read_csv(path))]
    elif suffix in (".xlsx", ".xlsm"):
        tables = _read_xlsx(path)
    else:
        raise AnnualStatsError(path, f"unsupported file type {path.suffix!r} (CSV or XLSX)")
    for sheet, rows in tables:
        header_at = _find_header(rows)
        if header_at is not None:
            return _records(path, sheet, rows, header_at, year)
    raise AnnualStatsError(
        path,
        f"no header row found (looked in the first {HEADER_SEARCH_ROWS} rows of every sheet "
        "for an organisation column and at least two known measure labels)",
    )


def annual_stats_files(folder: str | Path) -> list[Path]:
    """The ``*.csv`` and ``*.xlsx`` files in ``folder``, sorted by name."""
    folder = Path(folder)
    files = sorted(
        p for p in folder.iterdir() if p.suffix.casefold() in (".csv", ".xlsx") and p.is_file()
    )
    if not files:
        raise AnnualStatsError(folder, "no CSV or XLSX files in the folder")
    return files


def read_annual_stats_folder(folder: str | Path, *, year: str | None = None) -> list[StatRecord]:
    """Records from every ``*.csv`` and ``*.xlsx`` file in ``folder`` (sorted by name)."""
    records: list[StatRecord] = []
    for file in annual_stats_files(folder):
        records.extend(read_annual_stats(file, year=year))
    return records


def download_annual_stats(client: PoliteClient, url: str, dest_dir: str | Path) -> Path:
    """Download ``url`` through the polite client into ``dest_dir`` (atomically)."""
    name = Path(unquote(urlsplit(url).path)).name
    if not name or Path(name).suffix.casefold() not in (".csv", ".xlsx"):
        raise AnnualStatsError(url, "URL does not name a .csv or .xlsx file")
    fetched = client.get(url)
    if fetched.outcome != "ok":
        raise AnnualStatsError(url, f"download failed ({fetched.outcome}, HTTP {fetched.status})")
    return atomic_write_bytes(Path(dest_dir) / name, fetched.content)


def fetch_annual_stats(
    client: PoliteClient, url: str, dest_dir: str | Path, *, year: str | None = None
) -> list[StatRecord]:
    """Download ``url`` through the polite client into ``dest_dir`` (atomically), then read it."""
    return read_annual_stats(download_annual_stats(client, url, dest_dir), year=year)


def normalise_year(text: object) -> str | None:
    """``2023-24``, ``2023/24``, ``2023-2024``, ``2023/2024``, ``1 April 2023 to 31 March
    2024`` (anywhere in the text) -> ``2023/24``; None if no financial year is found."""
    value = clean_text(str(text or ""))
    match = re.search("\\b(20\\d{2})\\s*[-/\u2013]\\s*(20\\d{2}|\\d{2})\\b", value)
    if match:
        first, second = int(match.group(1)), int(match.group(2)[-2:])
        if (first + 1) % 100 == second:
            return f"{first}/{second:02d}"
    match = re.search(r"\bApril\s+(20\d{2})\s+to\s+\d{1,2}\s+March\s+(20\d{2})\b", value, re.I)
    if match and int(match.group(2)) == int(match.group(1)) + 1:
        return f"{match.group(1)}/{match.group(2)[-2:]}"
    return None


# --- reading ----------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[list[_Cell]]:
    try:
        text = decode_body(path.read_bytes())
    except OSError as exc:
        raise AnnualStatsError(path, f"cannot read the file ({exc})") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_Cell(value) for value in row] for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[tuple[str, list[list[_Cell]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise AnnualStatsError(path, f"not a readable XLSX workbook ({exc})") from None
    try:
        return [
            (
                sheet.title,
                [
                    [
                        _Cell(cell.value, "%" in str(getattr(cell, "number_format", "") or ""))
                        for cell in row
                    ]
                    for row in sheet.iter_rows()
                ],
            )
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


# --- interpreting -----------------------------------------------------------------------------


def _find_header(rows: list[list[_Cell]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_key(cell.value) for cell in row]
        measures = sum(1 for key in keys if key in _MEASURE_LABELS or key in _SUBJECT_LABELS)
        if any(key in _ORGANISATION_LABELS for key in keys) and measures >= 2:
            return index
    return None


def _columns(header: list[str]) -> tuple[list[_Column], list[str]]:
    is_received = any(key in _SUBJECT_LABELS for key in header)
    is_old_scheme = any(_MEASURE_LABELS.get(key) == "not_upheld" for key in header)
    columns: list[_Column] = []
    ignored: list[str] = []
    for index, key in enumerate(header):
        if not key or key in _ORGANISATION_LABELS | _TYPE_LABELS | _YEAR_LABELS:
            continue
        if key in _SUBJECT_LABELS:
            columns.append(_Column(index, "received", _SUBJECT_LABELS[key]))
        elif key in _MEASURE_LABELS:
            columns.append(_Column(index, _MEASURE_LABELS[key], None))
        elif key in _TOTAL_LABELS and (is_received or is_old_scheme):
            columns.append(
                _Column(index, "received_total" if is_received else "decided_total", None)
            )
        else:
            ignored.append(key)
    return columns, ignored


def _records(
    path: Path, sheet: str, rows: list[list[_Cell]], header_at: int, year: str | None
) -> list[StatRecord]:
    source = f"{path.name}[{sheet}]" if sheet else path.name
    header = [_key(cell.value) for cell in rows[header_at]]
    org_col = next(i for i, key in enumerate(header) if key in _ORGANISATION_LABELS)
    type_col = next((i for i, key in enumerate(header) if key in _TYPE_LABELS), None)
    year_col = next((i for i, key in enumerate(header) if key in _YEAR_LABELS), None)
    columns, ignored = _columns(header)
    if ignored:
        logger.info("%s: ignoring columns with unknown labels: %s", source, ", ".join(ignored))
    file_year = (
        normalise_year(year)
        if year
        else _year_from_title(rows[:header_at]) or normalise_year(_file_year_hint(path))
    )
    if year and file_year is None:
        raise AnnualStatsError(path, f"year {year!r} is not a financial year like 2023/24")

    records: list[StatRecord] = []
    for row_number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        organisation = clean_text(str(_at(row, org_col).value or ""))
        if not organisation:
            continue
        row_year = file_year
        if year_col is not None and _at(row, year_col).value not in (None, ""):
            row_year = normalise_year(_at(row, year_col).value)
            if row_year is None:
                raise AnnualStatsError(
                    path, f"row {row_number}: unreadable year {_at(row, year_col).value!r}"
                )
        authority_type = (
            clean_text(str(_at(row, type_col).value or "")) or None
            if type_col is not None
            else None
        )
        values = [(column, _number(_at(row, column.index), column.measure)) for column in columns]
        values = [(column, value) for column, value in values if value is not None]
        if not values:
            continue  # a note or a blank line below the table
        if row_year is None:
            raise AnnualStatsError(
                path, "cannot tell the year: no Year column, title line or year in the file name"
            )
        for column, value in values:
            records.append(
                StatRecord(
                    year=row_year,
                    organisation=organisation,
                    organisation_key=normalise_organisation(organisation),
                    authority_type=authority_type,
                    measure=column.measure,
                    value=value,
                    subject_area=column.subject_area,
                    source_file=source,
                )
            )
    return records


def _at(row: list[_Cell], index: int | None) -> _Cell:
    return row[index] if index is not None and index < len(row) else _Cell(None)


def _number(cell: _Cell, measure: str) -> int | float | None:
    value = cell.value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number: float = float(value)
        if cell.percent_format:
            number *= 100
    else:
        text = clean_text(str(value)).replace(",", "")
        if text.casefold() in _EMPTY_VALUES:
            return None
        text = text.rstrip("%").strip()
        try:
            number = float(text)
        except ValueError:
            return None
    if measure.endswith("_pct") or measure == "upheld_per_100k":
        return round(number, 4)
    return int(number) if number.is_integer() else number


def _year_from_title(rows: Iterable[list[_Cell]]) -> str | None:
    for row in rows:
        for cell in row:
            if cell.value is not None and (found := normalise_year(cell.value)):
                return found
    return None


def _file_year_hint(path: Path) -> str:
    """``2-Complaints-Decided-23-24.csv`` -> ``2023-24`` (last NN-NN pair of consecutive years)."""
    for first, second in reversed(re.findall(r"(?<!\d)(\d{2})[-_](\d{2})(?!\d)", path.stem)):
        if (int(first) + 1) % 100 == int(second):
            return f"20{first}-{second}"
    return ""
