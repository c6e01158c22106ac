"""Publishing for BI tools: builds in their own files, atomic publish in an older storage
format, Parquet with a manifest, run history, kept builds and rollback, and runs killed
part-way that leave the published warehouse untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from support import SMALL_DELIVERY, Run, run_nightly

from flows.builds import RunInProgress, list_builds, run_lock, work_path

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'report'"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from report.{t} order by all").fetchall() for t in tables}


def test_published_warehouse_parquet_and_history(small_run: Run) -> None:
    published = small_run.warehouse
    build_id = small_run.summary["build_id"]
    assert list_builds(published) == [build_id]
    with duckdb.connect(str(published), read_only=True) as con:
        tags = dict(con.execute("select database_name, tags from duckdb_databases()").fetchall())
        assert tags[published.stem]["storage_version"].startswith("v1.0.0")
        runs = con.execute(
            "select run_id, build_id, status, rows_read, rows_accepted, rows_rejected, published"
            " from marts.pipeline_runs"
        ).fetchall()
        counts = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables()"
                " where schema_name = 'report'"
            ).fetchall()
        )
    assert runs == [(runs[0][0], build_id, "completed", 51, 49, 2, True)]
    manifest = json.loads((small_run.reports_dir / "parquet" / "manifest.json").read_text())
    assert sorted(m["model"] for m in manifest) == sorted(counts)
    for entry in manifest:
        assert entry["build_id"] == build_id
        parquet = small_run.reports_dir / "parquet" / entry["file"]
        rows = duckdb.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0]
        assert (
            rows
            == entry["rows"]
            == small_run.query(f"select count(*) from report.{entry['model']}")[0][0]
        )


def test_rerun_is_identical_builds_are_kept_and_rollback_publishes_one(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_KEEP_BUILDS", "2")
    first = run_nightly(tmp_path, SMALL_DELIVERY)
    first_marts = _marts(first.warehouse)
    second = run_nightly(tmp_path, SMALL_DELIVERY)  # same inputs: nothing new to land
    assert second.state.is_completed()
    # Every build has the same work file name, so the second night's dbt build reuses the
    # first's parse (a new name, like a changed profile, makes dbt parse everything again).
    assert second.summary["dbt"]["full_parse_reason"] is None
    # ...and starts from the first night's build: nothing changed, nothing is rebuilt.
    assert second.summary["build"] == {
        "mode": "incremental",
        "base_build_id": first.summary["build_id"],
        "reason": "0 new case file(s)",
    }
    assert _marts(second.warehouse) == first_marts  # idempotent
    # Small-number suppression changes the published files, never the warehouse.
    third = run_nightly(tmp_path, SMALL_DELIVERY, suppress_below=5)
    assert _marts(third.warehouse) == first_marts
    manifest = json.loads((third.reports_dir / "parquet" / "manifest.json").read_text())
    assert {m["suppressed_below"] for m in manifest} == {5}
    published = (third.reports_dir / "rpt_stage1_outcomes.csv").read_text()
    assert ",<5," in published
    builds = list_builds(third.warehouse)
    assert builds == [second.summary["build_id"], third.summary["build_id"]]  # keep 2
    history = third.query("select build_id, status from marts.pipeline_runs order by started_at")
    assert history == [
        (first.summary["build_id"], "completed"),
        (second.summary["build_id"], "completed"),
        (third.summary["build_id"], "completed"),
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "rollback",
            builds[0],
            "--warehouse",
            str(third.warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(third.warehouse), read_only=True) as con:
        rolled_back = con.execute("select count(*) from marts.pipeline_runs").fetchone()[0]
    assert rolled_back == 2  # the second build's history
    # After a rollback the next night builds everything (its base is no longer published).
    assert not (third.warehouse.parent / "builds" / "last_published.json").exists()


def test_a_second_run_on_the_same_landing_zone_does_not_start(tmp_path: Path) -> None:
    with (
        run_lock(tmp_path),
        pytest.raises(RunInProgress, match="already in progress"),
        run_lock(tmp_path),
    ):
        pass


def _start_run(root: Path, delivery: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--no-lgsco",
            "--source-dir",
            str(delivery),
            "--landing-dir",
            str(root / "landing"),
            "--warehouse",
            str(root / "warehouse" / "w.duckdb"),
            "--reports-dir",
            str(root / "reports"),
        ],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill_when(process: subprocess.Popen, ready, published: Path, timeout: float = 240) -> None:
    """Wait until `ready()`; check the published file opens read-only; then SIGKILL the run."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the run ended before the kill point"
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.05)
    with duckdb.connect(str(published), read_only=True) as con:  # while the build runs
        assert con.execute("select count(*) from report.rpt_feedback_overview").fetchone()[0] > 0
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("kill_point", ["after_landing", "during_dbt_build"])
def test_a_killed_run_leaves_the_published_warehouse_untouched(
    prefect_harness: None, tmp_path: Path, kill_point: str
) -> None:
    good = run_nightly(tmp_path, SMALL_DELIVERY)
    assert good.state.is_completed()
    published = good.warehouse
    before = _sha256(published)
    before_marts = _marts(published)

    update = tmp_path / "update"
    update.mkdir()
    shutil.copyfile(SMALL_DELIVERY / "cases.csv", update / "cases_update.csv")
    with (update / "cases_update.csv").open("a") as handle:
        handle.write(
            "D1,,compliment,,,Adult Social Care and Health,,email,2023-06-01,,,,"
            "2023-06-01,closed,,,,,2023-06-01 10:00:00\n"
        )
    builds_before = set(list_builds(published))

    def landed() -> bool:  # the update's delivery folder has its manifest
        return len(list((tmp_path / "landing").glob("2*/*/manifest.json"))) > 1

    def building() -> bool:  # dbt has created the run's work file
        return work_path(published).exists() or bool(set(list_builds(published)) - builds_before)

    process = _start_run(tmp_path, update)
    _kill_when(process, landed if kill_point == "after_landing" else building, published)
    assert _sha256(published) == before
    assert _marts(published) == before_marts

    rerun = run_nightly(tmp_path, update)  # converges: the delivery is picked up again
    assert rerun.state.is_completed(), rerun.state.message
    compliments = rerun.query(
        "select value from report.rpt_feedback_overview"
        " where financial_year = '2023/24' and measure = 'compliments'"
    )
    assert compliments == [(2,)]  # B12 and D1


@pytest.mark.parametrize("build_storage", ["v1.0.0", "v1.2.0"])
def test_publishing_always_gives_the_older_storage_format(
    tmp_path: Path, build_storage: str
) -> None:
    """A build in the published format is copied byte for byte (after a checkpoint, so
    nothing stays behind in its WAL); a newer one is rewritten in the older format."""
    from flows.builds import publish_build

    build = tmp_path / "builds" / "b.duckdb"
    build.parent.mkdir()
    with duckdb.connect() as con:
        con.execute(f"attach '{build}' as b (storage_version '{build_storage}')")
        con.execute("create table b.t as select range as x from range(1000)")
        con.execute("set checkpoint_threshold = '1GB'")  # leave the last write in the WAL
        con.execute("insert into b.t values (1000)")
        con.execute("detach b")
    published = publish_build(build, tmp_path / "feedback.duckdb")
    with duckdb.connect(str(published), read_only=True) as con:
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = 'feedback'"
        ).fetchone()
        assert tags["storage_version"].startswith("v1.0.0")
        assert con.execute("select count(*), max(x) from t").fetchone() == (1001, 1000)
    if build_storage == "v1.0.0":
        assert published.read_bytes() == build.read_bytes()
