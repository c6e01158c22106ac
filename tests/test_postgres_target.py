"""The dbt project on PostgreSQL (`--target postgres`): the fixture warehouse is built on a
real Postgres server, in a fresh database, and every mart is compared with the DuckDB build
of the same data: the same columns and rows, floats within 1e-9, decimals exactly, NULLs
as NULLs.

  - `feedback build --target postgres` on the landing zone of the session's `small_run`
    (tests/fixtures/delivery_small through the nightly flow), against its DuckDB warehouse.
  - `feedback run --publish-postgres` (the nightly flow) on the same delivery with LGSCO
    decisions and statistics in its landing zone (parsed offline from the fixture site's
    pages and statistics files), so that the Ombudsman marts are compared with rows in
    them; the Postgres build is made in `__next` schemas and swapped in.

The server comes from FEEDBACK_POSTGRES_HOST/_PORT/_USER/_PASSWORD (default
postgres@127.0.0.1:5432). Without one the tests skip, unless FEEDBACK_REQUIRE_POSTGRES=1
(CI), when they fail.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import socket
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from support import FIXTURES, SMALL_DELIVERY, Run, run_nightly

from flows import cli
from flows.postgres import NEXT_SUFFIX, OLD_SUFFIX, publish_postgres
from flows.settings import PROJECT_DIR, Settings
from ingest.landing import land_delivery
from ingest.lgsco import land_annual_stats, land_decisions
from ingest.mapping import load_mapping
from ingest.postgres_load import (
    ENV_PASSWORD,
    PostgresConnection,
    PostgresLoadError,
    load_validated,
    source_tables,
)
from ingest.run import ingest_pending
from scrapers.lgsco.annual_stats import read_annual_stats_folder
from scrapers.lgsco.decision_page import UnknownLayoutError, parse_decision_page

ENV_REQUIRE = "FEEDBACK_REQUIRE_POSTGRES"
REPORT_MARTS = sorted(p.stem for p in (PROJECT_DIR / "models/marts/report").glob("rpt_*.sql"))
CORE_MARTS = sorted(p.stem for p in (PROJECT_DIR / "models/marts/core").glob("*.sql"))
AUDIT_MODELS = sorted(p.stem for p in (PROJECT_DIR / "models/audit").glob("*.sql"))
COMPARED = (
    [f"report.{name}" for name in REPORT_MARTS]
    + [f"marts.{name}" for name in CORE_MARTS]
    + [f"audit.{name}" for name in AUDIT_MODELS]
)
LGSCO_MARTS = [
    "marts.fct_lgsco_decisions",
    "marts.fct_lgsco_annual_stats",
    "report.rpt_lgsco_benchmark",
    "report.rpt_lgsco_decisions",
    "report.rpt_lgsco_received_by_category",
    "report.rpt_lgsco_outcomes_by_service",
    "report.rpt_lgsco_log_reconciliation",
]
# The schemas dbt builds (generate_schema_name) and the raw schemas the loader fills.
BUILT_SCHEMAS = {"audit", "intermediate", "marts", "reference", "report", "staging"}
RAW_SCHEMAS = {table.raw_schema() for table in source_tables()}
FLOAT_TOLERANCE = 1e-9


# -- comparing two builds ---------------------------------------------------------------


def _sort_key(row: Sequence[Any]) -> tuple:
    """Orders rows with NULLs first and floats rounded, so near-equal floats pair up."""
    return tuple(
        (0, "") if v is None else (1, round(v, 6) if isinstance(v, float) else v) for v in row
    )


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    # Everything else exactly and of the same Python type: Decimal('1.50') is not 1.5,
    # an integer is not a numeric, a date is not a timestamp.
    return type(a) is type(b) and a == b


def assert_same_table(
    name: str,
    duck: tuple[list[str], list[tuple]],
    pg: tuple[list[str], list[tuple]],
) -> None:
    """The same columns (in order) and the same multiset of rows."""
    (duck_columns, duck_rows), (pg_columns, pg_rows) = duck, pg
    assert pg_columns == duck_columns, f"{name}: columns differ"
    assert len(pg_rows) == len(duck_rows), (
        f"{name}: {len(duck_rows)} rows on DuckDB, {len(pg_rows)} on Postgres"
    )
    differences = []
    for duck_row, pg_row in zip(
        sorted(duck_rows, key=_sort_key), sorted(pg_rows, key=_sort_key), strict=True
    ):
        if not all(_same_value(a, b) for a, b in zip(duck_row, pg_row, strict=True)):
            differences.append(f"  duckdb   {duck_row}\n  postgres {pg_row}")
    assert not differences, f"{name}: rows differ:\n" + "\n".join(differences[:5])


def _duck_table(warehouse: Path, name: str) -> tuple[list[str], list[tuple]]:
    schema, table = name.split(".")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f'select * from {schema}."{table}"').fetchall()
        return [c[0] for c in con.description], rows


def _pg_table(connection: PostgresConnection, name: str) -> tuple[list[str], list[tuple]]:
    schema, table = name.split(".")
    pg = connection.connect()
    try:
        with pg.cursor() as cur:
            cur.execute("select to_regclass(%s)", [f'{schema}."{table}"'])
            assert cur.fetchone()[0] is not None, f"{name} is missing on Postgres"
            cur.execute(f'select * from {schema}."{table}"')
            return [c[0] for c in cur.description], cur.fetchall()
    finally:
        pg.close()


def _pg_schemas(connection: PostgresConnection) -> set[str]:
    pg = connection.connect()
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select nspname from pg_namespace"
                " where nspname not like 'pg\\_%' and nspname <> 'information_schema'"
            )
            return {name for (name,) in cur.fetchall()}
    finally:
        pg.close()


def _without_build_time(table: tuple[list[str], list[tuple]]) -> tuple[list[str], list[tuple]]:
    """The table without `built_at` (when each build wrote a row: two builds differ)."""
    columns, rows = table
    keep = [i for i, name in enumerate(columns) if name != "built_at"]
    return [columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows]


def _compare_all(warehouse: Path, connection: PostgresConnection, names: list[str]) -> int:
    for name in names:
        assert_same_table(
            name,
            _without_build_time(_duck_table(warehouse, name)),
            _without_build_time(_pg_table(connection, name)),
        )
    return len(names)


def test_comparison_catches_differences() -> None:
    """The comparison itself fails on each kind of difference it is meant to catch."""
    columns = ["year", "count", "share", "money", "day"]
    base = [
        ("2023/24", 3, 0.25, Decimal("1250.50"), dt.date(2024, 3, 1)),
        ("2022/23", None, None, None, None),
    ]
    assert_same_table("t", (columns, base), (columns, list(reversed(base))))  # order-free
    nearly = [("2023/24", 3, 0.25 + 1e-12, Decimal("1250.50"), dt.date(2024, 3, 1)), base[1]]
    assert_same_table("t", (columns, base), (columns, nearly))  # within the float tolerance
    changed = [
        [("2023/24", 3, 0.2501, Decimal("1250.50"), dt.date(2024, 3, 1)), base[1]],  # float
        [("2023/24", 3, 0.25, Decimal("1250.51"), dt.date(2024, 3, 1)), base[1]],  # decimal
        [("2023/24", 3, 0.25, 1250.5, dt.date(2024, 3, 1)), base[1]],  # decimal became float
        [base[0], ("2022/23", 0, None, None, None)],  # NULL became 0
        [("2023/24", 4, 0.25, Decimal("1250.50"), dt.date(2024, 3, 1)), base[1]],  # integer
        [base[0]],  # a row missing
        [base[0], base[1], base[1]],  # a row extra
    ]
    for other in changed:
        with pytest.raises(AssertionError):
            assert_same_table("t", (columns, base), (columns, other))
    with pytest.raises(AssertionError, match="columns differ"):
        assert_same_table("t", (columns, base), ([*columns[:-1], "date"], base))


# -- the tests --------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.postgres
def test_feedback_build_on_postgres_matches_duckdb(
    pg_server: PostgresConnection,  # first: skips before the DuckDB run is made
    pg_database: PostgresConnection,
    small_run: Run,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert small_run.state.is_completed(), small_run.state.message
    dbt_log = PROJECT_DIR / "logs" / "dbt.log"
    log_start = dbt_log.stat().st_size if dbt_log.exists() else 0

    code = cli.main(["build", "--target", "postgres", "--landing-dir", str(small_run.landing_dir)])
    out, err = capsys.readouterr()
    assert code == 0, out[-3000:] + err[-3000:]

    assert _pg_schemas(pg_database) >= BUILT_SCHEMAS | RAW_SCHEMAS
    compared = _compare_all(small_run.warehouse, pg_database, COMPARED)
    assert compared == len(REPORT_MARTS) + len(CORE_MARTS) + len(AUDIT_MODELS)
    assert len(REPORT_MARTS) >= 30  # every report mart of the spec, not a handful
    # The fixture's figures are really there (not empty-vs-empty).
    assert len(_pg_table(pg_database, "marts.fct_cases")[1]) == 26

    secret = pg_database.password
    logged = out + err + caplog.text
    if dbt_log.exists():
        with dbt_log.open(encoding="utf-8", errors="replace") as handle:
            handle.seek(log_start)
            logged += handle.read()
    assert secret not in logged


def _land_lgsco(landing_dir: Path) -> int:
    """The fixture site's decision pages and statistics, parsed offline and landed as a
    scrape would land them; the number of decisions."""
    decisions = []
    pages = FIXTURES / "lgsco_site" / "pages"
    for page in sorted(pages.rglob("*.html")):
        url = "https://www.lgo.org.uk/" + page.relative_to(pages).with_suffix("").as_posix()
        try:
            decisions.append(
                parse_decision_page(
                    page.read_text(encoding="utf-8"),
                    url,
                    fetched_at=dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC),
                )
            )
        except UnknownLayoutError:
            continue
    land_decisions(decisions, landing_dir, "fixture-harvest")
    stats = read_annual_stats_folder(FIXTURES / "lgsco_site" / "annual_stats")
    land_annual_stats(stats, landing_dir)
    return len(decisions)


@pytest.mark.e2e
@pytest.mark.postgres
def test_nightly_publishes_to_postgres_with_lgsco(
    pg_server: PostgresConnection,
    pg_database: PostgresConnection,
    prefect_harness: None,
    tmp_path: Path,
) -> None:
    root = tmp_path / "run"
    drop = root / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    assert _land_lgsco(root / "landing") >= 5

    run = run_nightly(root, drop, publish_postgres=True)
    assert run.state.is_completed(), run.state.message
    published = run.summary["postgres"]
    assert published["database"] == pg_database.describe()
    summary_file = (run.reports_dir / "run_summary.json").read_text(encoding="utf-8")
    assert pg_database.password not in summary_file

    schemas = _pg_schemas(pg_database)
    assert schemas >= BUILT_SCHEMAS | RAW_SCHEMAS
    assert not [s for s in schemas if s.endswith((NEXT_SUFFIX, OLD_SUFFIX))], schemas
    _compare_all(run.warehouse, pg_database, COMPARED)
    for name in LGSCO_MARTS:  # compared with rows in them
        assert _pg_table(pg_database, name)[1], f"{name} is empty: the LGSCO data did not land"

    # A publish that fails (here: a source's Parquet folder gone) leaves the live schemas.
    broken = tmp_path / "broken"
    shutil.copytree(run.landing_dir / "_validated", broken / "_validated")
    shutil.rmtree(broken / "_validated" / "case_reasons")
    settings = Settings.resolve(broken, tmp_path / "unused.duckdb", tmp_path / "reports")
    with pytest.raises(PostgresLoadError, match=r"cases\.case_reasons"):
        publish_postgres(settings, pg_database)
    _compare_all(run.warehouse, pg_database, [f"report.{name}" for name in REPORT_MARTS])


@pytest.mark.postgres
def test_absent_optional_files_load_as_empty_typed_tables(
    pg_database: PostgresConnection, tmp_path: Path
) -> None:
    """A delivery of cases only: the optional sources load as empty tables with the
    contract's types (from ingest's `_empty.parquet`), as DuckDB reads them; loading again
    refills the tables in place, so views on them (dbt's staging) stay valid."""
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(SMALL_DELIVERY / "cases.csv", drop / "cases.csv")
    landing = tmp_path / "landing"
    land_delivery(drop, landing, source="test")
    ingest_pending(landing, load_mapping(None), dt.date(2024, 6, 30))

    loaded = load_validated(landing, pg_database)
    assert loaded.tables["raw_cases.cases"] == 27
    for table in ("case_reasons", "case_actions", "case_payments", "ombudsman_cases"):
        assert loaded.tables[f"raw_cases.{table}"] == 0
    assert loaded.tables["raw_lgsco.decisions"] == 0
    assert set(loaded.tables) == {f"{t.raw_schema()}.{t.name}" for t in source_tables()}

    pg = pg_database.connect()
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'raw_cases' and table_name = 'case_payments'"
                " order by ordinal_position"
            )
            types = dict(cur.fetchall())
            cur.execute("create view public.cases_probe as select * from raw_cases.cases")
        pg.commit()
        assert types["amount_gbp"] == "numeric"
        assert types["following_lgsco"] == "boolean"
        assert types["paid_date"] == "date"
        assert types["_delivered_at"] == "timestamp without time zone"

        assert load_validated(landing, pg_database).tables == loaded.tables
        with pg.cursor() as cur:
            cur.execute("select count(*) from public.cases_probe")
            assert cur.fetchone() == (27,)
    finally:
        pg.close()


def test_unreachable_server_is_named_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("FEEDBACK_POSTGRES_HOST", "127.0.0.1")
    monkeypatch.setenv("FEEDBACK_POSTGRES_PORT", str(port))
    monkeypatch.setenv("FEEDBACK_POSTGRES_DBNAME", "feedback_bi")
    monkeypatch.setenv(ENV_PASSWORD, "hunter2-secret")
    code = cli.main(["build", "--target", "postgres", "--landing-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"127.0.0.1:{port}/feedback_bi" in err
    assert "hunter2-secret" not in err
