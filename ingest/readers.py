"""Read a delivered CSV or XLSX file into a normalised UTF-8 CSV that DuckDB validates.

The reader owns everything about the file's *shape*: its size, its encoding (UTF-8, UTF-8
with BOM, UTF-16 with BOM, else Windows-1252), where the header row is, and rows whose
number of fields does not match the header. Every data row gets a row number as a
spreadsheet shows it (the header row is row 1 when it is the first row). Rows with the wrong
shape are returned as rejects with the rule broken; everything else is written out
unchanged as text. Files are streamed: memory does not grow with the file's size.

Hostile files are refused before they are parsed (`UnreadableFileError`, naming the file):
a file above the size cap, an XLSX (a zip) that would expand beyond the uncompressed-size cap
or at a suspicious compression ratio (a decompression bomb). See `ReadLimits`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HEADER_SEARCH_ROWS = 20
CHUNK_BYTES = 1 << 20
MIB = 1 << 20
GIB = 1 << 30
csv.field_size_limit(16 * 1024 * 1024)

# Rules the reader applies to single rows (the validator applies the contract's rules).
READER_RULES = (
    "wrong_column_count",  # more or fewer fields than the header (e.g. an unquoted comma)
    "repeated_header_row",  # the header row again, e.g. two exports pasted together
    "unclosed_quote",  # a quote opened and never closed: the lines after it became one field
    "invalid_encoding",  # bytes that are not UTF-8 in a file that is UTF-8 elsewhere
    "formula_without_value",  # XLSX: a formula whose result was never saved in the file
    "excel_error_value",  # XLSX: a cell holding an Excel error (#REF!, #DIV/0!, #N/A, ...)
)

ENV_MAX_FILE_BYTES = "FEEDBACK_MAX_FILE_BYTES"
ENV_XLSX_MAX_UNCOMPRESSED_BYTES = "FEEDBACK_XLSX_MAX_UNCOMPRESSED_BYTES"
ENV_XLSX_MAX_RATIO = "FEEDBACK_XLSX_MAX_RATIO"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_VALID_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message names the file and what is wrong."""


def parse_size(text: str) -> int:
    """`'5GB'`, `'512 MiB'`, `'1024'` as a number of bytes (binary units)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size (e.g. 5GB, 512MB, 1048576)")
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[(unit or "").lower()[:1]])


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what a delivered file may cost to read (generous defaults).

    `max_file_bytes`: files above it are refused unread (a 1 GB CSV is streamed, so the
    default is well above it). `xlsx_max_uncompressed_bytes` and `xlsx_max_ratio`: an XLSX
    is a zip; before openpyxl opens it, the sizes its members declare are summed and each
    member over 1 MiB may expand at most `xlsx_max_ratio` times its compressed size (Python's
    zip reader refuses members that expand beyond their declared size, so the check holds).
    """

    max_file_bytes: int = 5 * GIB
    xlsx_max_uncompressed_bytes: int = 1 * GIB
    xlsx_max_ratio: float = 200.0
    xlsx_max_members: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        """Defaults, overridden by FEEDBACK_MAX_FILE_BYTES, FEEDBACK_XLSX_MAX_UNCOMPRESSED_BYTES
        and FEEDBACK_XLSX_MAX_RATIO."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, attribute, parse in (
            (ENV_MAX_FILE_BYTES, "max_file_bytes", parse_size),
            (ENV_XLSX_MAX_UNCOMPRESSED_BYTES, "xlsx_max_uncompressed_bytes", parse_size),
            (ENV_XLSX_MAX_RATIO, "xlsx_max_ratio", float),
        ):
            text = environ.get(name, "").strip()
            if text:
                try:
                    values[attribute] = parse(text)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from exc
        return cls(**values)


@dataclass(frozen=True)
class RowReject:
    row_number: int
    rule: str
    details: str
    raw_values: dict[str, Any]


REJECT_COLUMNS = ("row_number", "rule", "details", "raw_values")


@dataclass
class ReadResult:
    """The normalised file, its counts and where the reader's row rejects were written.

    Rejects are streamed to `rejects_csv` (columns `REJECT_COLUMNS`, raw values as JSON), so
    a huge file of malformed rows does not fill memory; `rejects` reads them back.
    """

    header: list[str]
    normalised_file: Path  # CSV from the row-by-row reader; Parquet from DuckDB's (`reader`)
    rows_read: int = 0
    encoding: str = ""
    rejects_csv: Path | None = None
    reject_count: int = 0
    note: str = ""  # what the reader decided about the file, e.g. which sheet it read
    reader: str = "python"  # "duckdb": a clean UTF-8 CSV read by DuckDB's parallel reader

    @property
    def rejects(self) -> list[RowReject]:
        if self.rejects_csv is None or not self.rejects_csv.exists():
            return []
        with self.rejects_csv.open(encoding="utf-8", newline="") as handle:
            return [
                RowReject(
                    int(r["row_number"]), r["rule"], r["details"], json.loads(r["raw_values"])
                )
                for r in csv.DictReader(handle)
            ]

    @property
    def rows_written(self) -> int:
        return self.rows_read - self.reject_count

    def source_sql(self) -> str:
        """The normalised rows as a SQL relation: `_row_number` (text) and `c0`..`cN`."""
        path = "'" + str(self.normalised_file).replace("'", "''") + "'"
        if self.reader == "duckdb":  # the header is row 1, so data row i (from 0) is row i + 2
            aliases = ", ".join(column_alias(i) for i in range(len(self.header)))
            return (
                "(select cast(file_row_number + 2 as varchar) as _row_number,"
                f" {aliases} from read_parquet({path}, file_row_number = true))"
            )
        columns = ", ".join(
            f"'{name}': 'varchar'"
            for name in ("_row_number", *map(column_alias, range(len(self.header))))
        )
        return (
            f"read_csv({path}, header = true, columns = {{{columns}}}, delim = ',',"
            " quote = '\"', escape = '\"', strict_mode = true, parallel = false)"
        )


def column_alias(index: int) -> str:
    """Name of the index-th source column in the normalised CSV."""
    return f"c{index}"


def read_delivery_file(
    path: Path,
    required_headers: set[str],
    out_path: Path,
    limits: ReadLimits | None = None,
) -> ReadResult:
    """Normalise `path` (CSV or XLSX) into `out_path`; headers are matched case-insensitively.

    `required_headers` (lower-case) locate the header row: the first of the first 20 rows
    that holds them all. `limits` default to `ReadLimits.from_env()`.
    """
    limits = limits or ReadLimits.from_env()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnreadableFileError(f"{path.name}: unsupported file type {suffix!r} (CSV or XLSX)")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableFileError(
            f"{path.name}: the file is {size:,} bytes, above the size cap of"
            f" {limits.max_file_bytes:,} bytes ({ENV_MAX_FILE_BYTES}); refused unread"
        )
    problems: dict[int, tuple[str, str]] = {}
    note = ""
    if suffix == ".xlsx":
        check_zip_limits(path, limits)
        sheet = _XlsxSheet(path, problems)
        rows, encoding, note = sheet.rows(), "xlsx", sheet.note
    else:
        encoding, stray_bytes = _detect(path)
        rows = _csv_rows(path, encoding, stray_bytes, problems)
    try:
        return _normalise(path, rows, encoding, required_headers, out_path, problems, note)
    except csv.Error as exc:
        raise UnreadableFileError(f"{path.name}: not a readable CSV file: {exc}") from exc
    except UnicodeError as exc:
        raise UnreadableFileError(f"{path.name}: not valid {encoding} text: {exc}") from exc


def check_zip_limits(path: Path, limits: ReadLimits) -> None:
    """Refuse an XLSX whose zip members would expand too far (before anything inflates)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path.name}: not a readable XLSX workbook (not a zip archive: {exc})"
        ) from exc
    if len(members) > limits.xlsx_max_members:
        raise UnreadableFileError(
            f"{path.name}: the XLSX holds {len(members):,} zip members (cap"
            f" {limits.xlsx_max_members:,}); refused as a possible zip bomb"
        )
    total = sum(m.file_size for m in members)
    if total > limits.xlsx_max_uncompressed_bytes:
        raise UnreadableFileError(
            f"{path.name}: the XLSX would expand to {total:,} bytes, above the cap of"
            f" {limits.xlsx_max_uncompressed_bytes:,} bytes"
            f" ({ENV_XLSX_MAX_UNCOMPRESSED_BYTES}); refused as a possible decompression bomb"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MIB and ratio > limits.xlsx_max_ratio:
            raise UnreadableFileError(
                f"{path.name}: zip member {member.filename} expands {ratio:,.0f}:1"
                f" ({member.compress_size:,} to {member.file_size:,} bytes; cap"
                f" {limits.xlsx_max_ratio:,.0f}:1, {ENV_XLSX_MAX_RATIO}); refused as a"
                " possible decompression bomb"
            )


# --- encodings ----------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; raise if none fits.

    A file that is UTF-8 except for a few bytes (evidence: at least as many valid multi-byte
    UTF-8 sequences as stray bytes) is read as UTF-8 and the rows holding the stray bytes are
    rejected (`invalid_encoding`) rather than the whole file turned into Windows-1252
    mojibake; `read_delivery_file` does that. Here such a file reports `utf-8`.
    """
    return _detect(path)[0]


def _detect(path: Path) -> tuple[str, bool]:
    """(encoding, whether the file holds bytes that are not valid in it)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFileError(f"{path.name}: looks like an XLSX/zip file, not a CSV")
    is_utf8 = _decodes_as(path, "utf-8")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", not is_utf8
    if is_utf8:
        return "utf-8", False
    valid, stray = _utf8_evidence(path)
    cp1252 = _decodes_as(path, "cp1252")
    if cp1252 and valid == 0:
        return "cp1252", False
    if valid > 0 and valid >= stray:
        return "utf-8", True
    if cp1252:
        return "cp1252", False
    line, byte = _first_invalid_utf8_byte(path)
    raise UnreadableFileError(
        f"{path.name}: text is neither UTF-8 nor Windows-1252 (the contract's encodings):"
        f" byte 0x{byte:02x} on line {line} is not valid in either"
    )


def _first_invalid_utf8_byte(path: Path) -> tuple[int, int]:
    """(line, byte) of the first byte that is not UTF-8 (line by line: UTF-8 never holds
    a newline byte inside a character)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, line[exc.start]
    return 0, 0


def _utf8_evidence(path: Path) -> tuple[int, int]:
    """(valid multi-byte UTF-8 sequences, bytes >= 0x80 outside them) in the file."""
    valid = high = covered = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            sequences = _VALID_UTF8_MULTIBYTE.findall(chunk)
            valid += len(sequences)
            covered += sum(len(s) for s in sequences)
            high += len(_HIGH_BYTE.findall(chunk))
    return valid, high - covered


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


# --- CSV ----------------------------------------------------------------------------------


def _csv_rows(
    path: Path, encoding: str, raw: bool, problems: dict[int, tuple[str, str]]
) -> Iterator[tuple[int, list[str]]]:
    """Records (not lines) with their number; flags rows the validator cannot judge.

    `raw`: the file holds bytes its encoding cannot decode; they are kept (as surrogates)
    and the rows holding them rejected.
    """
    errors = "surrogateescape" if raw else "strict"
    with path.open("r", encoding=encoding, errors=errors, newline="") as handle:
        reader = csv.reader(handle)
        previous: tuple[int, list[str]] | None = None
        start_line = end_line = 0
        for number, row in enumerate(reader, start=1):
            if previous is not None:
                yield previous
            if raw and _SURROGATE.search("".join(row)):
                problems[number] = ("invalid_encoding", _stray_bytes(row))
            start_line, end_line = end_line + 1, reader.line_num
            previous = (number, row)
        if previous is not None:
            number, row = previous
            if (
                row
                and end_line > start_line
                and row[-1].endswith(("\n", "\r"))
                and not _ends_with_quote(path)
            ):
                problems[number] = (
                    "unclosed_quote",
                    f"a quote opened on line {start_line} is never closed: lines"
                    f" {start_line}-{end_line} (to the end of the file) were read as one row",
                )
            yield previous


def _ends_with_quote(path: Path) -> bool:
    """Whether the file's last character (line breaks aside) is a closing quote."""
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 16, 0))
        tail = handle.read()
    return tail.replace(b"\x00", b"").rstrip(b"\r\n").endswith(b'"')


def _stray_bytes(row: list[str]) -> str:
    found = sorted({f"0x{ord(c) - 0xDC00:02x}" for c in _SURROGATE.findall("".join(row))})
    return f"byte(s) {', '.join(found)} are not valid UTF-8 (the rest of the file is UTF-8)"


# --- XLSX ---------------------------------------------------------------------------------


class _XlsxSheet:
    """The first worksheet's rows as text; cached formula results, never silent blanks."""

    def __init__(self, path: Path, problems: dict[int, tuple[str, str]]) -> None:
        from openpyxl import load_workbook

        self.path = path
        self.problems = problems
        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise UnreadableFileError(f"{path.name}: not a readable XLSX workbook: {exc}") from exc
        if not self.workbook.worksheets:
            self.workbook.close()
            raise UnreadableFileError(f"{path.name}: the workbook has no worksheet")
        self.sheet = self.workbook.worksheets[0]
        names = [ws.title for ws in self.workbook.worksheets]
        self.label = f"first sheet {names[0]!r}" + (
            f" of {len(names)}: {', '.join(repr(n) for n in names)}" if len(names) > 1 else ""
        )
        self.note = f"read the {self.label}"

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        from openpyxl import load_workbook
        from openpyxl.utils import get_column_letter

        formulas = None
        try:
            if self._has_formulas():
                formula_book = load_workbook(self.path, read_only=True, data_only=False)
                formula_sheet = formula_book.worksheets[0]
                formula_sheet.reset_dimensions()
                formulas = formula_sheet.iter_rows()
            # The dimension a file declares pads every row to its width: a hostile or sloppy
            # `A1:XFD1048576` would cost 16,384 cells a row. Rows are read as stored instead.
            self.sheet.reset_dimensions()
            for number, cells in enumerate(self.sheet.iter_rows(), start=1):
                formula_cells = next(formulas, ()) if formulas is not None else ()
                row = [_cell_text(cell.value) for cell in cells]
                for cell in cells:
                    if cell.data_type == "e":
                        self.problems[number] = (
                            "excel_error_value",
                            f"cell {get_column_letter(cell.column)}{number} holds the Excel"
                            f" error {cell.value}",
                        )
                        break
                for index, cell in enumerate(formula_cells):
                    if cell.data_type == "f" and (
                        index >= len(cells) or cells[index].value is None
                    ):
                        self.problems[number] = (
                            "formula_without_value",
                            f"cell {get_column_letter(index + 1)}{number} holds the formula"
                            f" {cell.value} but no saved result (open and save the file in"
                            " Excel, or paste the values)",
                        )
                        break
                yield number, row
        except UnreadableFileError:
            raise
        except Exception as exc:
            raise UnreadableFileError(
                f"{self.path.name}: not a readable XLSX workbook ({self.label}): {exc}"
            ) from exc
        finally:
            self.workbook.close()
            if formulas is not None:
                formula_book.close()

    def _has_formulas(self) -> bool:
        """Whether the sheet's XML holds any formula (only then is it parsed a second time)."""
        archive = getattr(self.workbook, "_archive", None)
        member = getattr(self.sheet, "_worksheet_path", None)
        if archive is None or member is None:
            return True
        tail = b""
        with archive.open(member) as source:
            while chunk := source.read(CHUNK_BYTES):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
        return False


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
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # what Excel shows: 15 significant digits, no binary noise
    return str(value)


# --- normalising --------------------------------------------------------------------------


class _RejectWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)

    def add(self, row_number: int, rule: str, details: str, raw: dict[str, Any]) -> None:
        raw_json = _clean(json.dumps(raw, ensure_ascii=False))
        self._writer.writerow([row_number, rule, _clean(details), raw_json])
        self.count += 1

    def close(self) -> None:
        self._handle.close()


def _clean(text: str) -> str:
    """Undecodable bytes (kept as surrogates) shown as U+FFFD in messages and raw values."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _normalise(
    path: Path,
    rows: Iterator[tuple[int, list[str]]],
    encoding: str,
    required_headers: set[str],
    out_path: Path,
    problems: dict[int, tuple[str, str]],
    note: str = "",
) -> ReadResult:
    header = _find_header(path, rows, required_headers, note)
    width = len(header)
    folded_header = [h.strip().lower() for h in header]
    first_header = folded_header[0]
    pad = encoding == "xlsx"  # a spreadsheet row simply stops at its last filled cell
    rejects = _RejectWriter(out_path.with_name(out_path.name + ".rejects.csv"))
    result = ReadResult(
        header=header,
        normalised_file=out_path,
        encoding=encoding,
        rejects_csv=rejects.path,
        note=note,
    )
    try:
        with out_path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["_row_number", *(column_alias(i) for i in range(width))])
            for row_number, row in rows:
                first = row[0].strip() if row else ""
                if not first and not "".join(row).strip():
                    problems.pop(row_number, None)
                    continue  # a blank line is not a record
                result.rows_read += 1
                problem = problems.pop(row_number, None) if problems else None
                if problem is not None:
                    rejects.add(row_number, problem[0], problem[1], _raw(header, row))
                    continue
                if len(row) != width:
                    if len(row) < width and pad:
                        row = row + [""] * (width - len(row))
                    elif len(row) > width and not "".join(row[width:]).strip():
                        row = row[:width]  # trailing empty cells (spreadsheet exports)
                    else:
                        rejects.add(
                            row_number,
                            "wrong_column_count",
                            _shape_details(row, width, spreadsheet=pad),
                            _raw(header, row),
                        )
                        continue
                if (
                    first.lower() == first_header
                    and [cell.strip().lower() for cell in row] == folded_header
                ):
                    rejects.add(row_number, "repeated_header_row", "the header row again", {})
                    continue
                writer.writerow([row_number, *row])
    finally:
        rejects.close()
    result.reject_count = rejects.count
    return result


def _shape_details(row: list[str], width: int, spreadsheet: bool = False) -> str:
    if spreadsheet:
        return f"a value in column {len(row)}, right of the header's {width} columns"
    details = f"{len(row)} fields where the header has {width}"
    if len(row) > width:
        details += " (an unquoted comma inside a value?)"
    if any("\n" in cell or "\r" in cell for cell in row):
        details += "; a quoted value runs over several lines"
    return details


SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _find_header(
    path: Path, rows: Iterator[tuple[int, list[str]]], required: set[str], note: str = ""
) -> list[str]:
    seen: list[list[str]] = []
    for _row_number, row in rows:
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if required <= {c.lower() for c in cells}:
            cells = [_clean(c) for c in cells]  # a stray byte in a header name: shown as U+FFFD
            _check_unique(path, cells)
            return cells
        seen.append(cells)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    where = f" ({note})" if note else ""
    if not seen:
        raise UnreadableFileError(f"{path.name}: the file is empty (no header row){where}")
    first = seen[0]
    found = {c.lower() for c in first}
    missing = sorted(required - found)
    separator = next((n for c, n in SEPARATORS.items() if len(first) == 1 and c in first[0]), "")
    if separator:
        raise UnreadableFileError(
            f"{path.name}: the header row is one column, {separator}-separated: the contract"
            f" requires comma-separated files (first row {_clean(first[0])[:120]!r}){where}"
        )
    raise UnreadableFileError(
        f"{path.name}: no header row with the required columns; missing {', '.join(missing)}"
        f" in the first row {_clean(', '.join(first))[:200]!r}{where}"
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
