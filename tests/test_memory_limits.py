"""DuckDB's memory is capped while the warehouse is built and published
(FEEDBACK_DUCKDB_MEMORY_LIMIT, default 1GB; beyond it DuckDB spills to disk), so a
council-sized build stays within a small server's memory."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.settings import PROJECT_DIR


def _dbt_memory_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from dbt.cli.main import dbtRunner

    from flows.dbt_build import _release_duckdb

    monkeypatch.setenv("FEEDBACK_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FEEDBACK_LANDING_DIR", str(tmp_path / "landing"))
    result = dbtRunner().invoke(
        [
            "show",
            "--inline",
            "select current_setting('memory_limit') as memory_limit",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--quiet",
        ]
    )
    _release_duckdb()
    assert result.success, result.exception
    return result.result.results[0].agate_table.rows[0]["memory_limit"]


def _in_bytes(setting: str) -> float:
    number, unit = setting.split()
    return float(number) * {"MiB": 2**20, "GiB": 2**30, "MB": 10**6, "GB": 10**9}[unit]


def test_dbt_builds_with_the_memory_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDBACK_DUCKDB_MEMORY_LIMIT", raising=False)
    assert _in_bytes(_dbt_memory_limit(tmp_path / "a", monkeypatch)) == pytest.approx(
        10**9, rel=0.08
    )
    monkeypatch.setenv("FEEDBACK_DUCKDB_MEMORY_LIMIT", "300MB")
    assert _in_bytes(_dbt_memory_limit(tmp_path / "b", monkeypatch)) == pytest.approx(
        300 * 10**6, rel=0.08
    )


def test_publishing_copies_with_the_memory_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import builds

    build = tmp_path / "builds" / "b.duckdb"
    build.parent.mkdir()
    with duckdb.connect(str(build)) as con:
        con.execute("create table t as select 1 as x")
    limits: list[str] = []
    real_connect = duckdb.connect

    def connect(*args, **kwargs):  # the real connection, with what it was configured
        con = real_connect(*args, **kwargs)
        limits.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return con

    monkeypatch.setattr(builds.duckdb, "connect", connect)
    monkeypatch.setenv("FEEDBACK_DUCKDB_MEMORY_LIMIT", "300MB")
    published = builds.publish_build(build, tmp_path / "feedback.duckdb")
    monkeypatch.undo()
    assert [_in_bytes(limit) for limit in limits] == [pytest.approx(300 * 10**6, rel=0.08)]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select x from t").fetchall() == [(1,)]


@pytest.mark.e2e
def test_a_build_out_of_memory_names_the_setting_to_raise(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import SMALL_DELIVERY, run_nightly

    monkeypatch.setenv("FEEDBACK_DUCKDB_MEMORY_LIMIT", "2MB")
    run = run_nightly(tmp_path, SMALL_DELIVERY)
    assert run.state.is_failed()
    message = str(run.state.result(raise_on_failure=False))
    assert "ran out of its 2MB memory cap: raise FEEDBACK_DUCKDB_MEMORY_LIMIT" in message
    assert not run.warehouse.exists()  # nothing published
