"""DuckDB's parallel CSV reader (`ingest.fast_csv`) gives exactly the rows of the row-by-row one.

Every CSV file of the bad-input corpus, and a set of hand-made shapes, is read both ways:
where the fast path takes a file, the row numbers, values, header, encoding and counts must
equal the row-by-row reader's; where the row-by-row reader would skip, reject or refuse a
row, the fast path must decline the file. A clean delivery ingested with and without the
fast path must give identical validated tables.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import duckdb
import pytest
from bad_inputs.corpus import AS_OF, CORPUS

import ingest.fast_csv as fast_csv
from ingest.landing import land_delivery
from ingest.mapping import MAPPINGS_DIR, load_mapping
from ingest.readers import ReadResult, UnreadableFileError, read_delivery_file
from ingest.run import ingest_pending, required_headers

HEADER = "case_ref,status,received_date\n"

# (id, file content, whether the fast path must take it)
SHAPES: list[tuple[str, str, bool]] = [
    ("plain", HEADER + "C1,open,2024-01-02\nC2,closed,2024-01-03\n", True),
    ("crlf", HEADER.replace("\n", "\r\n") + "C1,open,2024-01-02\r\n", True),
    ("no-final-newline", HEADER + "C1,open,2024-01-02", True),
    ("bom", "\ufeff" + HEADER + "C1,open,2024-01-02\n", True),
    ("quoted-comma", HEADER + '"C1","open, really","2024-01-02"\n', True),
    ("doubled-quotes", HEADER + 'C1,"say ""hi""",2024-01-02\n', True),
    ("multi-line-value", HEADER + 'C1,"a\nb",2024-01-02\nC2,open,2024-01-03\n', True),
    ("crlf-in-lf-file", HEADER + 'C1,"a\r\nb",2024-01-02\nC2,open,2024-01-03\n', True),
    ("quoted-empty", HEADER + 'C1,"",2024-01-02\n', True),
    ("empty-fields", HEADER + "C1,,\n", True),
    ("spaces-kept", HEADER + " C1 , open,2024-01-02 \n", True),
    ("unicode", HEADER + "C1,£5 “café”,2024-01-02\n", True),
    ("quote-inside-value", HEADER + 'C1,a"b,2024-01-02\n', True),
    ("trailing-empty-field", HEADER + "C1,open,2024-01-02,\n", True),
    ("header-only", HEADER, True),
    ("space-before-quote", HEADER + 'C1, "open",2024-01-02\n', False),
    ("space-after-quote", HEADER + 'C1,"open" ,2024-01-02\n', False),
    ("blank-line", HEADER + "C1,open,2024-01-02\n\nC2,open,2024-01-03\n", False),
    ("blank-line-crlf", HEADER + "C1,open,2024-01-02\r\n\r\nC2,open,2024-01-03\r\n", False),
    ("leading-blank-line", "\n" + HEADER + "C1,open,2024-01-02\n", False),
    ("commas-only-row", HEADER + "C1,open,2024-01-02\n,,\nC2,open,2024-01-03\n", False),
    ("white-space-row", HEADER + "C1,open,2024-01-02\n \t, ,\u00a0\n", False),
    ("repeated-header", HEADER + "C1,open,2024-01-02\n" + HEADER + "C2,open,2024-01-03\n", False),
    ("too-few-fields", HEADER + "C1,open\n", False),
    ("too-many-fields", HEADER + "C1,open,2024-01-02,x\n", False),
    ("unclosed-quote", HEADER + 'C1,"open,2024-01-02\nC2,open,2024-01-03\n', False),
    ("text-after-quote", HEADER + 'C1,"open"ish,2024-01-02\n', False),
    ("mixed-line-endings", HEADER + "C1,open,2024-01-02\r\nC2,open,2024-01-03\n", False),
    ("cr-only", HEADER.replace("\n", "\r") + "C1,open,2024-01-02\r", False),
    ("title-row-above-header", "Export of 2 May\n" + HEADER + "C1,open,2024-01-02\n", False),
    ("quoted-header", '"case_ref","status","received_date"\nC1,open,2024-01-02\n', False),
    ("empty-header-cell", "case_ref,status,received_date,\nC1,open,2024-01-02,\n", False),
    ("windows-1252", HEADER + "C1,£5,2024-01-02\n", False),  # written as cp1252 below
    ("stray-byte", HEADER + "C1,é,2024-01-02\nC2,\udce9,2024-01-03\n", False),
]


def _write(path: Path, shape_id: str, text: str) -> Path:
    if shape_id == "windows-1252":
        path.write_bytes(text.encode("cp1252"))
    else:
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


def _rows(read: ReadResult) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select * from {read.source_sql()} order by cast(_row_number as integer)"
        ).fetchall()


def _compare(path: Path, required: set[str], tmp: Path) -> ReadResult | None:
    """Read `path` both ways; where the fast path takes it, both must agree exactly."""
    with duckdb.connect() as con:
        fast = fast_csv.read_clean_csv(con, path, required, tmp / "fast.parquet")
    try:
        slow = read_delivery_file(path, required, tmp / "slow.csv")
    except UnreadableFileError as exc:
        assert fast is None, f"{path.name}: fast path took a file the reader refuses: {exc}"
        return None
    if fast is None:
        return None
    assert fast.reader == "duckdb" and slow.reader == "python"
    assert slow.reject_count == 0, f"{path.name}: the reader rejected {slow.rejects}"
    assert (fast.header, fast.encoding, fast.rows_read) == (
        slow.header,
        slow.encoding,
        slow.rows_read,
    )
    assert _rows(fast) == _rows(slow), path.name
    return fast


@pytest.mark.parametrize(("shape_id", "text", "fast"), SHAPES, ids=[shape[0] for shape in SHAPES])
def test_fast_path_reads_what_the_row_by_row_reader_reads(
    tmp_path: Path, shape_id: str, text: str, fast: bool
) -> None:
    path = _write(tmp_path / "cases.csv", shape_id, text)
    result = _compare(path, {"case_ref", "status"}, tmp_path)
    assert (result is not None) == fast


def _corpus_csv_files() -> list[tuple[str, str, bytes, set[str]]]:
    files = []
    for bad_input in CORPUS:
        mapping = load_mapping(MAPPINGS_DIR / bad_input.mapping if bad_input.mapping else None)
        for name, content in bad_input.files.items():
            file_mapping = mapping.for_file(name)
            if name.lower().endswith(".csv") and file_mapping is not None:
                files.append((bad_input.id, name, content, required_headers(file_mapping)))
    return files


def test_fast_path_agrees_on_every_csv_file_of_the_bad_input_corpus(tmp_path: Path) -> None:
    taken, declined = [], []
    for number, (case_id, name, content, required) in enumerate(_corpus_csv_files()):
        work = tmp_path / str(number)
        work.mkdir()
        path = work / name
        path.write_bytes(content)
        result = _compare(path, required, work)
        (taken if result is not None else declined).append(f"{case_id}/{name}")
    # Most of the corpus breaks a contract rule, not the file's shape: those files are clean
    # CSV and must take the fast path, so that the corpus's expectations check it too.
    assert len(taken) > 2 * len(declined), (taken, declined)
    for clean in ("shape-columns-reversed", "shape-quoted-newlines", "enc-utf8-bom-crlf"):
        assert f"{clean}/cases.csv" in taken
    for malformed in (
        "shape-unquoted-comma",
        "shape-blank-rows-between",
        "shape-two-exports-concatenated",
        "shape-unclosed-quote",
        "enc-invalid-utf8-bytes",
    ):
        assert f"{malformed}/cases.csv" in declined
    assert "enc-windows-1252-pounds/case_payments.csv" in declined


def test_row_numbers_hold_across_parallel_buffers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file split into many small buffers (read by both threads) keeps its row order."""
    monkeypatch.setattr(fast_csv, "BUFFER_BYTES", 16 * 1024)
    rng = random.Random(8)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case_ref", "status", "summary"])
    for n in range(20_000):
        summary = "x" * rng.randint(0, 80)
        if n % 7 == 0:
            summary = f"line one, {n}\nline two"  # quoted, over two lines
        writer.writerow([f"C{n}", "open", summary])
    path = tmp_path / "cases.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = _compare(path, {"case_ref"}, tmp_path)
    assert result is not None and result.rows_read == 20_000
    rows = _rows(result)
    assert rows[0][:2] == ("2", "C0") and rows[-1][:2] == ("20001", "C19999")


def test_fast_path_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "cases.csv", "plain", SHAPES[0][1])
    monkeypatch.setenv(fast_csv.ENV_FAST_CSV, "0")
    with duckdb.connect() as con:
        assert fast_csv.read_clean_csv(con, path, {"case_ref"}, tmp_path / "x.parquet") is None


# Where each landing differs: its delivery's id and time of arrival.
DELIVERY_COLUMNS = {"delivery_id", "delivered_at", "_delivery_id", "_delivered_at"}


def _validated_tables(landing: Path) -> dict[str, list[tuple]]:
    tables = {}
    with duckdb.connect() as con:
        for folder in sorted((landing / "_validated").iterdir()):
            files = sorted(folder.glob("*.parquet"))
            if not files:
                continue
            relation = con.sql(
                "select * from read_parquet($files, union_by_name = true)",
                params={"files": [str(f) for f in files]},
            )
            columns = [c for c in relation.columns if c not in DELIVERY_COLUMNS]
            tables[folder.name] = sorted(
                relation.select(*columns).fetchall(), key=lambda row: tuple(map(str, row))
            )
    return tables


def test_a_delivery_ingests_identically_with_and_without_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo council's files (with their planted bad rows) through the whole of ingest."""
    from demo.generator.core import generate

    delivery = tmp_path / "delivery"
    generate(delivery, scale=0.05, bad_rows_file=True)
    results = {}
    for setting in ("1", "0"):
        monkeypatch.setenv(fast_csv.ENV_FAST_CSV, setting)
        landing = tmp_path / f"landing-{setting}"
        land_delivery(delivery, landing, "folder:demo")
        report = ingest_pending(landing, load_mapping(None), AS_OF)
        assert not report.failed_files
        results[setting] = _validated_tables(landing)
    fast, slow = results["1"], results["0"]
    assert fast.keys() == slow.keys() and fast["cases"]
    for table in slow:
        assert fast[table] == slow[table], table
    assert len(fast["cases"]) > 1000 and fast["rejected_rows"]
