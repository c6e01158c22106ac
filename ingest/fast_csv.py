"""Clean UTF-8 CSV files read by DuckDB's parallel CSV reader instead of row by row.

The row-by-row reader (`ingest.readers`) handles every shape a delivered file can take, at
about 200,000 rows a second. Most nightly files are clean: UTF-8, the header on the first
line, one record per row. For those DuckDB reads the file in parallel, ten times faster,
straight into the Parquet file that validation reads, with each record's row number.

The fast path is taken only when the file provably reads the same both ways; anything else
returns None and the caller reads the file row by row, which also names every problem:
- encoding: UTF-8 (with or without BOM) with no stray bytes (`readers.detect_encoding`);
- the header is the first line, holds the required columns, no empty or repeated names;
- no blank lines (the row-by-row reader skips them but counts them in row numbers), no
  spaces between a quote and its delimiter (DuckDB drops them, Python's csv keeps them);
- DuckDB's strict parse succeeds: every record has the header's number of fields, quotes
  close, line endings are consistent (it stops at the first that does not);
- no record that the row-by-row reader would skip (every field blank) or reject (the
  header row repeated).
`tests/test_fast_csv.py` checks both readers give the same rows for every file of the
bad-input corpus that takes this path.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
from pathlib import Path

import duckdb

from ingest.readers import (
    CHUNK_BYTES,
    ReadLimits,
    ReadResult,
    UnreadableFileError,
    _detect,
    column_alias,
)
from ingest.validate import q

# DuckDB's CSV buffer (bytes); None: its default (32 MiB). Tests shrink it so that a small
# file is split across threads and row order across buffers is checked.
BUFFER_BYTES: int | None = None

ENV_FAST_CSV = "FEEDBACK_FAST_CSV"  # "0": read every CSV row by row
HEAD_BYTES = 1 << 20
_SPACE_THEN_QUOTE = re.compile(rb'(?:^|[,\r\n]) +"')
_QUOTE_THEN_SPACE = re.compile(rb'" +(?:[,\r\n]|$)')
_LF_BLANK_LINE = re.compile(rb"\n\r?\n")
_QUOTE_SPACE = re.compile(rb'" ')  # cheap pre-checks: a regex led by a literal is fast
_SPACE_QUOTE = re.compile(rb' "')


def read_clean_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    required_headers: set[str],
    out_path: Path,
    limits: ReadLimits | None = None,
) -> ReadResult | None:
    """Read `path` with DuckDB into the Parquet file `out_path`, or None (read it row by row).

    `required_headers` (lower-case) must all be in the first line. FEEDBACK_FAST_CSV=0 turns
    the fast path off (every file read row by row). A file above the size cap
    of `limits` is left to the row-by-row reader, which refuses it unread. Errors of the
    storage (DuckDB's IOException) are raised; a parse DuckDB refuses means None.
    """
    limits = limits or ReadLimits.from_env()
    if (
        os.environ.get(ENV_FAST_CSV, "1").strip() == "0"
        or path.suffix.lower() != ".csv"
        or path.stat().st_size > limits.max_file_bytes
    ):
        return None
    try:
        encoding, stray_bytes = _detect(path)
    except UnreadableFileError:  # the row-by-row reader refuses it with the same message
        return None
    if encoding not in ("utf-8", "utf-8-sig") or stray_bytes:
        return None
    header = _first_line_header(path, required_headers)
    if header is None or not _clean_shape(path):
        return None
    aliases = [column_alias(i) for i in range(len(header))]
    columns = ", ".join(f"'{alias}': 'varchar'" for alias in aliases)
    buffer = f", buffer_size = {BUFFER_BYTES}" if BUFFER_BYTES else ""
    source = (
        f"read_csv({q(str(path))}, header = false, skip = 1, auto_detect = false,"
        f" columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"',"
        f" strict_mode = true, null_padding = false, encoding = 'utf-8'{buffer})"
    )
    try:
        # COPY keeps the file's order (preserve_insertion_order), so Parquet row i is record i.
        con.execute(f"copy (select * from {source}) to {q(str(out_path))} (format parquet)")
    except duckdb.IOException:
        out_path.unlink(missing_ok=True)
        raise
    except duckdb.Error:  # a record DuckDB's strict parser refuses: the row-by-row reader names it
        out_path.unlink(missing_ok=True)
        return None
    rows, skipped_or_repeated = con.execute(
        "select count(*), count(*) filter (where"
        f" {_all_blank(aliases)} or {_repeats_header(aliases, header)})"
        f" from read_parquet({q(str(out_path))})"
    ).fetchone()
    if skipped_or_repeated:
        out_path.unlink(missing_ok=True)
        return None
    return ReadResult(
        header=header,
        normalised_file=out_path,
        rows_read=rows,
        encoding=encoding,
        reader="duckdb",
    )


def _first_line_header(path: Path, required: set[str]) -> list[str] | None:
    """The header cells (stripped) when the first line alone is a usable header row."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    end = head.find(b"\n")
    if end < 0:
        return None  # no data row, or a header longer than HEAD_BYTES
    try:
        line = head[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader(io.StringIO(line, newline="")))
    if len(rows) != 1:
        return None
    cells = [cell.strip() for cell in rows[0]]
    folded = [cell.lower() for cell in cells]
    if (
        not cells
        or not all(cells)
        or not required <= set(folded)
        or len(set(folded)) != len(folded)
        or '"' in line
    ):
        return None
    return cells


def _clean_shape(path: Path) -> bool:
    """No blank line and no space between a quote and its delimiter, anywhere in the file.

    Each check is one C-speed pass over a chunk (a single byte first where that rules a check
    out): about 0.3 s for 200 MB."""
    carry = b""
    with path.open("rb") as handle:
        if handle.read(1) in (b"\n", b"\r"):
            return False
        handle.seek(0)
        while chunk := handle.read(CHUNK_BYTES):
            block = carry + chunk
            if _LF_BLANK_LINE.search(block):
                return False
            if b"\r" in block and b"\r\r" in block:
                return False
            if b'"' in block and (
                (_QUOTE_SPACE.search(block) and _QUOTE_THEN_SPACE.search(block))
                or (_SPACE_QUOTE.search(block) and _SPACE_THEN_QUOTE.search(block))
            ):
                return False
            carry = block[-64:]
    return True


@functools.cache
def _python_white_space() -> str:
    """A regex class of the characters Python's str.strip removes (worked out once, when a
    file first takes the fast path, not at import)."""
    return "[" + "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace()) + "]"


def _all_blank(aliases: list[str]) -> str:
    """Every field empty or white space (as Python's str.strip sees it): a skipped record."""
    blank = _python_white_space() + "*"
    return " and ".join(
        f"({alias} is null or regexp_full_match({alias}, '{blank}'))" for alias in aliases
    )


def _repeats_header(aliases: list[str], header: list[str]) -> str:
    """A record that may be the header again (compared loosely; the row-by-row reader judges)."""
    first = header[0].lower().replace("'", "''")
    return f"contains(lower({aliases[0]}), '{first}')"
