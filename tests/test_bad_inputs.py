"""Malformed and hostile deliveries: each ends in a clear outcome and the row counts balance.

Every case of the generated corpus (`tests/bad_inputs/corpus.py`) is landed as its own
delivery and ingested. A loaded file must hold rows read = accepted + quarantined, in the
report and in `ingest_file_stats`, and every quarantined row must name its file, row and rule
(with words of explanation); a file that cannot be read must fail with a message naming it.
The 1 GB CSV (`slow`) checks that ingest streams: memory stays bounded whatever the size.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from bad_inputs.corpus import (
    AS_OF,
    CORPUS,
    HEADER,
    Case,
    case,
    covered_rules,
    csv_line,
    expected_entity,
    file_and_entity,
)
from bad_inputs.doc import DOC, FileResult, render_table, replace_table

from ingest.contract import ENTITIES
from ingest.landing import land_delivery
from ingest.mapping import MAPPINGS_DIR, load_mapping
from ingest.readers import READER_RULES, ReadLimits, parse_size
from ingest.run import FileOutcome, ingest_pending
from ingest.validate import rule_names

KNOWN_RULES = set(READER_RULES) | {r for e in ENTITIES.values() for r in rule_names(e)}
BIG_CSV_BYTES = parse_size(os.environ.get("FEEDBACK_BIG_CSV_BYTES", "1GiB"))
GIB = 1 << 30


@dataclass
class CorpusRun:
    """The corpus ingested; its accepted, rejected and count tables loaded in `con`."""

    landing: Path
    delivery_of: dict[str, str]
    outcomes: dict[str, list[FileOutcome]]
    seconds: float
    con: duckdb.DuckDBPyConnection

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()


def _load_outputs(landing: Path) -> duckdb.DuckDBPyConnection:
    root = landing / "_validated"
    con = duckdb.connect()
    tables = {"rejected_rows": "rejected_rows", "ingest_file_stats": "ingest_file_stats"}
    tables |= {f"accepted_{name}": name for name in ENTITIES}
    for table, folder in tables.items():
        con.execute(
            f"create table {table} as select * from"
            f" read_parquet('{root / folder}/*.parquet', union_by_name = true)"
        )
    return con


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusRun]:
    """Every case landed as its own delivery, then ingested (one run per limits and mapping)."""
    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    groups: dict[tuple[ReadLimits | None, str | None], list[Case]] = collections.defaultdict(list)
    for bad_input in CORPUS:
        groups[bad_input.limits, bad_input.mapping].append(bad_input)
    delivery_of: dict[str, str] = {}
    outcomes: dict[str, list[FileOutcome]] = collections.defaultdict(list)
    started = time.monotonic()
    for (limits, mapping), cases in groups.items():
        for bad_input in cases:
            drop = root / "drops" / bad_input.id
            drop.mkdir(parents=True)
            for name, content in bad_input.files.items():
                (drop / name).write_bytes(content)
            landed = land_delivery(drop, landing, f"corpus:{bad_input.id}")
            assert landed.delivery is not None and not landed.duplicates, bad_input.id
            delivery_of[bad_input.id] = landed.delivery.delivery_id
        mapping_path = MAPPINGS_DIR / mapping if mapping else None
        report = ingest_pending(landing, load_mapping(mapping_path), AS_OF, limits)
        for outcome in report.files:
            outcomes[outcome.delivery_id].append(outcome)
    seconds = time.monotonic() - started
    con = _load_outputs(landing)
    yield CorpusRun(landing, delivery_of, outcomes, seconds, con)
    con.close()


def _results(run: CorpusRun, bad_input: Case) -> list[FileResult]:
    delivery = run.delivery_of[bad_input.id]
    rejected = run.query(
        "select source_file, entity, row_number, rule, rules, details"
        " from rejected_rows where delivery_id = ? order by row_number",
        [delivery],
    )
    results = []
    for key in bad_input.expect:
        name, entity = file_and_entity(key)
        matches = [
            o
            for o in run.outcomes[delivery]
            if o.source_file == name and (entity is None or o.entity == entity)
        ]
        assert len(matches) == 1, f"{key}: outcomes {run.outcomes[delivery]}"
        outcome = matches[0]
        rows = tuple(
            (row, rule, details)
            for file, ent, row, rule, _, details in rejected
            if file == name and ent == outcome.entity
        )
        results.append(
            FileResult(
                key,
                outcome.entity,
                outcome.status,
                outcome.rows_read,
                outcome.rows_accepted,
                outcome.rows_rejected,
                outcome.message,
                rows,
            )
        )
    return results


@pytest.mark.parametrize("bad_input", CORPUS, ids=[c.id for c in CORPUS])
def test_bad_input_ends_clearly_and_balances(corpus_run: CorpusRun, bad_input: Case) -> None:
    delivery = corpus_run.delivery_of[bad_input.id]
    outcomes = corpus_run.outcomes[delivery]
    assert len(outcomes) == len(bad_input.expect), [o.message for o in outcomes]
    rejected = corpus_run.query(
        "select source_file, entity, row_number, rule, rules, details, raw_values"
        " from rejected_rows where delivery_id = ? order by row_number",
        [delivery],
    )
    stats = corpus_run.query(
        "select source_file, entity, status, rows_read, rows_accepted, rows_rejected, message"
        " from ingest_file_stats where delivery_id = ?",
        [delivery],
    )
    results = {r.key: r for r in _results(corpus_run, bad_input)}
    for key, expect in bad_input.expect.items():
        name, _ = file_and_entity(key)
        result = results[key]
        counts = (result.rows_read, result.rows_accepted, result.rows_rejected)
        # The outcome names the file and says what happened.
        assert result.status == expect.status, result.message
        assert name in result.message
        for word in expect.message:
            assert word in result.message, result.message
        # rows read = rows accepted + rows quarantined, in the report and in the stats table.
        assert result.rows_read == result.rows_accepted + result.rows_rejected
        entity = result.entity
        assert entity == expected_entity(bad_input, key) or result.status == "failed"
        assert (name, entity, result.status, *counts, result.message) in stats
        if expect.rows is not None:
            assert counts == expect.rows, result.message
        if result.status != "loaded":
            assert counts == (0, 0, 0)
            assert not [r for r in rejected if r[0] == name]
            continue
        # Every quarantined row names its file, row and rule, and says why in words.
        assert len(result.rejects) == result.rows_rejected
        for row_number, rule, details in result.rejects:
            assert row_number and row_number > 0
            assert rule in KNOWN_RULES
            assert details.strip()
        found = {
            (row, rule)
            for file, ent, row, _, rules, _, _ in rejected
            if file == name and ent == entity
            for rule in rules.split("; ")
        }
        assert set(expect.rejects) <= found, result.rejects
        assert sorted({row for row, _ in expect.rejects}) == sorted(r[0] for r in result.rejects)
        for word in expect.details:
            assert any(word in details for _, _, details in result.rejects), result.rejects
        if expect.values is not None:
            columns, rows = expect.values
            got = corpus_run.query(
                f"select {columns} from accepted_{entity}"
                " where _delivery_id = ? and _source_file = ? order by _source_row",
                [delivery, name],
            )
            got = [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in got]
            assert got == [
                tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows
            ]
        (accepted,) = corpus_run.query(
            f"select count(*) from accepted_{entity} where _delivery_id = ? and _source_file = ?",
            [delivery, name],
        )[0]
        assert accepted == result.rows_accepted


def test_corpus_has_at_least_100_distinct_deliveries() -> None:
    assert len(CORPUS) >= 100
    assert len({c.id for c in CORPUS}) == len(CORPUS)
    contents = [content for c in CORPUS for content in c.files.values()]
    assert len(set(contents)) == len(contents), "every delivered file differs (landing dedups)"
    assert len({tuple(sorted(c.files.items())) for c in CORPUS}) == len(CORPUS)


def test_corpus_covers_every_contract_rule_and_reader_rule() -> None:
    covered = set().union(*(covered_rules(c) for c in CORPUS))
    missing = [
        (entity.name, rule)
        for entity in ENTITIES.values()
        for rule in rule_names(entity)
        if (entity.name, rule) not in covered
    ]
    assert missing == []
    assert set(READER_RULES) <= {rule for _, rule in covered}


def test_corpus_has_an_unknown_value_for_every_enum() -> None:
    covered = set().union(*(covered_rules(c) for c in CORPUS))
    enums = [(e.name, c.name) for e in ENTITIES.values() for c in e.columns if c.kind == "enum"]
    assert len(enums) == 7
    assert [(e, c) for e, c in enums if (e, f"invalid_{c}") not in covered] == []


# The hostile inputs the robustness issue lists, each with the case(s) that cover it.
REQUIRED = {
    "dates in US order": ["date-us-order", "date-us-order-time"],
    "impossible dates (31/02)": ["date-impossible-31-feb"],
    "two-digit years": ["date-two-digit-year", "date-two-digit-year-iso"],
    "Excel serial dates in XLSX": ["xlsx-excel-serial-date"],
    "future dates": ["date-future-uk", "date-future-far", "rule-cases-received_date_in_future"],
    "empty file": ["shape-empty-file"],
    "header only": ["shape-header-only", "xlsx-header-only"],
    "duplicated header row": ["shape-header-twice-at-top", "shape-two-exports-concatenated"],
    "missing required column": ["shape-missing-required-column"],
    "extra unknown columns": ["shape-extra-columns"],
    "columns in another order": ["shape-columns-reversed"],
    "semicolon delimiter": ["shape-semicolon-delimiter"],
    "quoted newlines": ["shape-quoted-newlines"],
    "truncated last line": ["shape-truncated-last-line"],
    "mixed line endings": ["shape-mixed-line-endings"],
    "UTF-16": ["enc-utf16-le-bom", "enc-utf16-be-bom"],
    "Windows-1252 with £ signs": ["enc-windows-1252-pounds"],
    "invalid UTF-8 bytes": ["enc-invalid-utf8-bytes"],
    "a BOM": ["enc-utf8-bom"],
    "XLSX with several sheets": ["xlsx-several-sheets"],
    "merged-cell title row": ["xlsx-merged-title-row"],
    "hidden rows": ["xlsx-hidden-rows"],
    "formulas": ["xlsx-formulas-with-saved-results", "xlsx-formula-without-saved-result"],
    "duplicate case_ref with different content": ["rule-cases-duplicate_case_ref_in_file"],
    "money with £, commas, negatives": ["money-pound-and-commas", "money-negative-pound-first"],
    "stage 2 whose parent does not exist": ["escalation-parent-missing"],
    "XLSX decompression bomb": ["xlsx-zip-bomb", "xlsx-uncompressed-cap"],
    "file above the size cap": ["delivery-file-above-size-cap"],
}


@pytest.mark.parametrize("item", sorted(REQUIRED))
def test_corpus_covers_the_issue_list(item: str) -> None:
    ids = {c.id for c in CORPUS}
    assert set(REQUIRED[item]) <= ids


def test_robustness_doc_table_is_current(corpus_run: CorpusRun) -> None:
    table = render_table(CORPUS, {c.id: _results(corpus_run, c) for c in CORPUS})
    document = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    wanted = replace_table(document, table)
    if os.environ.get("FEEDBACK_UPDATE_DOCS") == "1" and document != wanted:
        DOC.write_text(wanted, encoding="utf-8")
        document = wanted
    assert document == wanted, (
        "docs/robustness.md is out of date: "
        "FEEDBACK_UPDATE_DOCS=1 python -m pytest tests/test_bad_inputs.py -k doc"
    )


# --- limits ----------------------------------------------------------------------------------


def test_limits_come_from_the_environment() -> None:
    assert ReadLimits.from_env({}) == ReadLimits()
    assert ReadLimits().max_file_bytes == 5 * GIB  # well above the 1 GB CSV, which streams
    limits = ReadLimits.from_env(
        {
            "FEEDBACK_MAX_FILE_BYTES": "2GB",
            "FEEDBACK_XLSX_MAX_UNCOMPRESSED_BYTES": "512 MiB",
            "FEEDBACK_XLSX_MAX_RATIO": "50",
        }
    )
    assert limits == ReadLimits(2 * GIB, 512 << 20, 50.0)
    with pytest.raises(ValueError, match="FEEDBACK_MAX_FILE_BYTES"):
        ReadLimits.from_env({"FEEDBACK_MAX_FILE_BYTES": "lots"})


def test_size_cap_set_in_the_environment_refuses_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_MAX_FILE_BYTES", "1KB")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "cases.csv").write_text(
        "\n".join([",".join(HEADER)] + [csv_line(case(n)) for n in range(9)])
    )
    land_delivery(drop, tmp_path / "landing", "test")
    report = ingest_pending(tmp_path / "landing", load_mapping(), AS_OF)
    (outcome,) = report.files
    assert outcome.status == "failed"
    assert "cases.csv" in outcome.message and "size cap of 1,024 bytes" in outcome.message


# --- a 1 GB CSV, streamed -------------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def write_big_csv(path: Path, size: int, block_rows: int = 1000) -> tuple[int, int]:
    """Stream-write a cases CSV of at least `size` bytes: blocks of valid rows with unique
    case_refs, one row per block breaking a rule. Returns (rows, bad rows)."""
    template = "".join(
        csv_line(case(0, case_ref=f"B#-{i}", status="pending" if i == 7 else "closed")) + "\n"
        for i in range(block_rows)
    )
    rows = written = blocks = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        written += out.write(",".join(HEADER) + "\n")
        while written < size:
            block = template.replace("B#-", f"B{blocks}-")
            written += out.write(block)
            rows += block_rows
            blocks += 1
    return rows, blocks


@pytest.mark.slow
def test_one_gigabyte_csv_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    drop, landing = tmp_path / "drop", tmp_path / "landing"
    drop.mkdir()
    try:
        started = time.monotonic()
        rows, bad = write_big_csv(drop / "cases.csv", BIG_CSV_BYTES)
        generated = time.monotonic()
        land_delivery(drop, landing, "big")
        shutil.rmtree(drop)  # the landing zone holds its own copy
        landed = time.monotonic()
        rss_before = _status_kib("VmRSS")
        with contextlib.suppress(OSError):  # reset the peak (VmHWM) to the current size
            Path("/proc/self/clear_refs").write_text("5")
        report = ingest_pending(landing, load_mapping(), AS_OF)
        growth = (_status_kib("VmHWM") - rss_before) << 10
        ingested = time.monotonic()
        (outcome,) = report.files
        assert outcome.status == "loaded", outcome.message
        assert (outcome.rows_read, outcome.rows_accepted, outcome.rows_rejected) == (
            rows,
            rows - bad,
            bad,
        )
        v = landing / "_validated"
        assert duckdb.execute(
            "select count(*), count(distinct rule), min(rule)"
            f" from read_parquet('{v}/rejected_rows/2*.parquet')"
        ).fetchone() == (bad, 1, "invalid_status")
        assert duckdb.execute(
            f"select count(*) from read_parquet('{v}/cases/2*.parquet')"
        ).fetchone() == (rows - bad,)
        print(
            f"\n{BIG_CSV_BYTES:,} bytes, {rows:,} rows: generated in {generated - started:.0f}s,"
            f" landed in {landed - generated:.0f}s, ingested in {ingested - landed:.0f}s;"
            f" peak memory growth {growth / (1 << 20):,.0f} MiB"
        )
        assert growth < GIB
    finally:
        shutil.rmtree(drop, ignore_errors=True)
        shutil.rmtree(landing, ignore_errors=True)
