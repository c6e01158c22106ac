"""The project's own generic dbt tests fail on the data they exist to refuse."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from support import Run

from flows.dbt_build import run_dbt
from flows.settings import Settings

pytestmark = pytest.mark.e2e


def _test_copy(small_run: Run, tmp_path: Path, sql: str, select: str) -> list[str]:
    """Run `dbt test --select <select>` on a copy of the fixture warehouse changed by `sql`;
    the failures."""
    copy = tmp_path / "in_progress.build"  # the build's own name: dbt keeps its parse
    shutil.copyfile(small_run.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(sql)
    settings = replace(Settings.resolve(small_run.landing_dir, small_run.warehouse), warehouse=copy)
    summary = run_dbt(settings, "test", ["--select", select], logging.getLogger("dbt"))
    return summary.failures


def test_not_null_columns_fails_on_a_null_in_any_listed_column(
    small_run: Run, tmp_path: Path
) -> None:
    select = "fct_cases,test_name:not_null_columns"
    assert _test_copy(small_run, tmp_path, "select 1", select) == []
    failures = _test_copy(
        small_run,
        tmp_path,
        "update marts.fct_cases set received_date = null"
        " where case_ref = (select min(case_ref) from marts.fct_cases)",
        select,
    )
    assert len(failures) == 1 and "not_null_columns_fct_cases" in failures[0]
    assert "Got 1 result" in failures[0]
