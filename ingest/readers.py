"""Read a delivered CSV or XLSX file into a normalised UTF-8 CSV that DuckDB validates.

The reader owns everything about the file's *shape*: its encoding (UTF-8, UTF-8 with BOM,
UTF-16 with BOM, else Windows-1252), where the header row is, and rows whose number of
fields does not match the header. Every data row gets a row number as a spreadsheet shows
it (the header row is row 1 when it is the first row). Rows with the wrong shape are
returned as rejects with the rule broken; everything else is written out unchanged as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER_SEARCH_ROWS = 20
CHUNK_BYTES = 1 << 20
csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message names the file and what is wrong."""


@dataclass(frozen=True)
class RowReject:
    row_number: int
    rule: str
    details: str
    raw_values: dict[str, Any]


@dataclass
class ReadResult:
    header: list[str]
    normalised_csv: Path
    rows_read: int = 0
    encoding: str = ""
    rejects: list[RowReject] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return self.rows_read - len(self.rejects)


def column_alias(index: int) -> str:
    """Name of the index-th source column in the normalised CSV."""
    return f"c{index}"


def read_delivery_file(path: Path, required_headers: set[str], out_path: Path) -> ReadResult:
    """Normalise `path` (CSV or XLSX) into `out_path`; headers are matched case-insensitively.

    `required_headers` (lower-case) locate the header row: the first of the first 20 rows
    that holds them all.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows, encoding = _xlsx_rows(path), "xlsx"
    elif suffix == ".csv":
        encoding = detect_encoding(path)
        rows = _csv_rows(path, encoding)
    else:
        raise UnreadableFileError(f"{path.name}: unsupported file type {suffix!r} (CSV or XLSX)")
    try:
        return _normalise(path, rows, encoding, required_headers, out_path)
    except csv.Error as exc:
        raise UnreadableFileError(f"{path.name}: not a readable CSV file: {exc}") from exc


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; raise if none fits."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFileError(f"{path.name}: looks like an XLSX/zip file, not a CSV")
    for encoding in ("utf-8", "cp1252"):
        if _decodes_as(path, encoding):
            return encoding
    raise UnreadableFileError(
        f"{path.name}: text is neither UTF-8 nor Windows-1252 (the contract's encodings)"
    )


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                if b"\x00" in chunk:
                    raise UnreadableFileError(
                        f"{path.name}: contains NUL bytes (binary, or UTF-16 without a BOM)"
                    )
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open("r", encoding=encoding, newline="") as handle:
        yield from enumerate(csv.reader(handle), start=1)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFileError(f"{path.name}: not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        for index, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield index, [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _normalise(
    path: Path,
    rows: Iterator[tuple[int, list[str]]],
    encoding: str,
    required_headers: set[str],
    out_path: Path,
) -> ReadResult:
    header = _find_header(path, rows, required_headers)
    width = len(header)
    folded_header = [h.strip().lower() for h in header]
    result = ReadResult(header=header, normalised_csv=out_path, encoding=encoding)
    with out_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["_row_number", *(column_alias(i) for i in range(width))])
        for row_number, row in rows:
            if not row or all(not cell.strip() for cell in row):
                continue  # a blank line is not a record
            result.rows_read += 1
            if len(row) != width:
                extra = row[width:]
                if len(row) > width and all(not cell.strip() for cell in extra):
                    row = row[:width]  # trailing empty cells (spreadsheet exports)
                else:
                    result.rejects.append(
                        RowReject(
                            row_number,
                            "wrong_column_count",
                            f"{len(row)} fields where the header has {width}",
                            _raw(header, row),
                        )
                    )
                    continue
            if [cell.strip().lower() for cell in row] == folded_header:
                result.rejects.append(
                    RowReject(row_number, "repeated_header_row", "the header row again", {})
                )
                continue
            writer.writerow([row_number, *row])
    return result


def _find_header(
    path: Path, rows: Iterator[tuple[int, list[str]]], required: set[str]
) -> list[str]:
    seen: list[list[str]] = []
    for _row_number, row in rows:
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if required <= {c.lower() for c in cells}:
            _check_unique(path, cells)
            return cells
        seen.append(cells)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise UnreadableFileError(f"{path.name}: the file is empty (no header row)")
    first = seen[0]
    found = {c.lower() for c in first}
    missing = sorted(required - found)
    hint = ""
    if len(first) == 1 and (";" in first[0] or "\t" in first[0]):
        hint = " (the header is one column: the contract requires comma-separated files)"
    raise UnreadableFileError(
        f"{path.name}: no header row with the required columns; missing {', '.join(missing)}"
        f" in the first row {', '.join(first)[:200]!r}{hint}"
    )


def _check_unique(path: Path, header: list[str]) -> None:
    folded = [h.lower() for h in header]
    duplicates = sorted({h for h in folded if h and folded.count(h) > 1})
    if duplicates:
        raise UnreadableFileError(
            f"{path.name}: duplicated column(s) in the header: {', '.join(duplicates)}"
        )


def _raw(header: list[str], row: list[str]) -> dict[str, Any]:
    raw: dict[str, Any] = {name: row[i] if i < len(row) else None for i, name in enumerate(header)}
    if len(row) > len(header):
        raw["_extra_fields"] = row[len(header) :]
    return raw
