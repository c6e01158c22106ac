"""Warehouse builds, publishing and run history: BI tools never see a half-built warehouse.

Every run builds into `<warehouse dir>/builds/in_progress.build` (one stable name, so that dbt's
partial parsing survives from one night to the next: the file's name is the database name in
dbt's compiled SQL), empty or a copy of the last published build (flows/build_base.py), and
keeps it as `<warehouse dir>/builds/<build_id>.duckdb`. Only after
dbt build (and the error-severity expectations) pass is the build published: copied, in a
storage format that older DuckDB versions read (v1.0.0 and later), to a temporary file
beside `feedback.duckdb` and renamed over it in one atomic step. A reader that has the old
file open keeps reading it; a failed or killed run leaves it untouched. The last N builds
are kept for rollback (`feedback rollback`).

The run history (`marts.pipeline_runs`) outlives builds: each run appends a JSON line to
`<warehouse dir>/run_history.jsonl`, and every build loads the whole history.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from flows.settings import duckdb_memory_limit
from ingest.landing import LandingError, describe_os_error
from ingest.validate import q

RUN_HISTORY_TABLE = "marts.pipeline_runs"
# Tables a run writes into its build besides dbt's (dropped from a build copied to start
# from): the run history and expectations.runner.RESULTS_TABLE.
RUN_TABLES = (RUN_HISTORY_TABLE, "marts.validation_results")
PUBLISHED_STORAGE_VERSION = "v1.0.0"  # readable by DuckDB 1.0 and later (BI drivers lag)
RUN_HISTORY_COLUMNS = (
    ("run_id", "varchar"),
    ("build_id", "varchar"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    ("status", "varchar"),
    ("message", "varchar"),
    ("rows_read", "integer"),
    ("rows_accepted", "integer"),
    ("rows_rejected", "integer"),
    ("files_failed", "integer"),
    ("decisions_scraped", "integer"),
    ("models_built", "integer"),
    ("tests_passed", "integer"),
    ("expectations_passed", "integer"),
    ("expectations_failed", "integer"),
    ("published", "boolean"),
)


class RunInProgress(RuntimeError):
    """Another run holds the lock on this landing zone."""


def new_build_id(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def builds_dir(published: Path) -> Path:
    return published.parent / "builds"


def build_path(published: Path, build_id: str) -> Path:
    return builds_dir(published) / f"{build_id}.duckdb"


def work_path(published: Path) -> Path:
    """The file a run builds into before it is kept under its build id."""
    return builds_dir(published) / "in_progress.build"


def start_build(published: Path, base_build_id: str | None = None) -> Path:
    """The work file for a new build: a copy of kept build `base_build_id` (see
    flows/build_base.py), else empty. What a killed run left there is discarded (the caller
    holds the run lock)."""
    work = work_path(published)
    work.parent.mkdir(parents=True, exist_ok=True)
    for stale in (work, Path(f"{work}.wal")):
        stale.unlink(missing_ok=True)
    if base_build_id:
        base = build_path(published, base_build_id)
        shutil.copyfile(base, work)
        if Path(f"{base}.wal").exists():
            shutil.copyfile(f"{base}.wal", f"{work}.wal")
        with duckdb.connect(str(work), config={"memory_limit": duckdb_memory_limit()}) as con:
            # Tables the run writes itself (not dbt): they hold this run's rows only.
            for table in RUN_TABLES:
                con.execute(f"drop table if exists {table}")
    return work


def keep_build(published: Path, build_id: str) -> Path:
    """Keep the work file (and any write-ahead log) as build `build_id`; return its path."""
    work, kept = work_path(published), build_path(published, build_id)
    if work.exists():
        os.replace(work, kept)
        wal = Path(f"{work}.wal")
        if wal.exists():
            os.replace(wal, Path(f"{kept}.wal"))
    return kept


def history_path(published: Path) -> Path:
    return published.parent / "run_history.jsonl"


@contextmanager
def run_lock(landing_dir: Path) -> Iterator[None]:
    """One run at a time per landing zone: a second run fails at once with a clear message."""
    lock_file = landing_dir / ".run.lock"
    try:
        landing_dir.mkdir(parents=True, exist_ok=True)
        handle = lock_file.open("a+")
    except OSError as exc:
        raise LandingError(
            exc.errno,
            f"cannot start a run on the landing folder {landing_dir}: its lock file"
            f" {lock_file.name} cannot be written: {describe_os_error(exc, landing_dir)}",
        ) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another run"
            raise RunInProgress(
                f"a run is already in progress on {landing_dir} ({holder}); not starting another"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_build(build: Path, published: Path) -> Path:
    """Copy `build` to `published` atomically, in the older storage format.

    A build already in that format (DuckDB writes new files in it by default) is copied
    byte for byte after a checkpoint; any other is rewritten table by table."""
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.publishing")
    tmp.unlink(missing_ok=True)
    config = {"memory_limit": duckdb_memory_limit()}
    with duckdb.connect(str(build), config=config) as con:
        con.execute("checkpoint")  # everything in the file itself, nothing left in its WAL
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchone()
    if tags.get("storage_version", "").startswith(PUBLISHED_STORAGE_VERSION):
        shutil.copyfile(build, tmp)
    else:
        with duckdb.connect(config=config) as con:
            con.execute(f"attach {q(str(build))} as build_db (read_only)")
            con.execute(
                f"attach {q(str(tmp))} as published_db"
                f" (storage_version {q(PUBLISHED_STORAGE_VERSION)})"
            )
            con.execute("copy from database build_db to published_db")
            con.execute("detach published_db")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, published)
    return published


def prune_builds(published: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` builds; return what was deleted."""
    builds = sorted(builds_dir(published).glob("*.duckdb"))
    doomed = builds[: max(len(builds) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    return doomed


def list_builds(published: Path) -> list[str]:
    return [p.stem for p in sorted(builds_dir(published).glob("*.duckdb"))]


def append_run_history(published: Path, record: dict[str, Any]) -> None:
    """Append one run's record (one JSON line) to the run history."""
    path = history_path(published)
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {name: record.get(name) for name, _ in RUN_HISTORY_COLUMNS}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, default=str) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def load_run_history(build: Path, published: Path, current: dict[str, Any] | None = None) -> int:
    """(Re)create `marts.pipeline_runs` in `build` from the history, plus the current run."""
    rows = []
    path = history_path(published)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash
    if current:
        rows.append({name: current.get(name) for name, _ in RUN_HISTORY_COLUMNS})
    ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in RUN_HISTORY_COLUMNS)
    with duckdb.connect(str(build)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table {RUN_HISTORY_TABLE} ({ddl})")
        if rows:
            placeholders = ", ".join("?" for _ in RUN_HISTORY_COLUMNS)
            con.executemany(
                f"insert into {RUN_HISTORY_TABLE} values ({placeholders})",
                [[row.get(name) for name, _ in RUN_HISTORY_COLUMNS] for row in rows],
            )
    return len(rows)
