"""The `feedback` command: help on every subcommand, and locations from options or environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import Settings


def feedback(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, timeout=120
    )


SUBCOMMANDS = ["run", "ingest", "build", "validate", "audit", "serve", "purge", "rollback"]


@pytest.mark.parametrize("command", [[]] + [[name] for name in SUBCOMMANDS])
def test_help_on_every_subcommand(command: list[str]) -> None:
    result = feedback(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: feedback" in result.stdout


def test_run_options() -> None:
    help_text = feedback("run", "--help")
    for option in ("--source-dir", "--export-url", "--warehouse", "--landing-dir", "--reports-dir"):
        assert option in help_text.stdout


def test_locations_from_option_then_environment_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FEEDBACK_WAREHOUSE", raising=False)
    monkeypatch.setenv("FEEDBACK_LANDING_DIR", str(tmp_path / "env-landing"))
    settings = Settings.resolve(warehouse="w.duckdb")
    assert settings.warehouse == tmp_path / "w.duckdb"
    assert settings.landing_dir == tmp_path / "env-landing"
    assert settings.reports_dir == tmp_path / "reports"
    assert Settings.resolve().warehouse == tmp_path / "warehouse" / "feedback.duckdb"


def test_source_options_are_exclusive() -> None:
    result = feedback("run", "--source-dir", "x", "--export-url", "http://127.0.0.1:1")
    assert result.returncode == 2
    assert "not allowed with" in result.stderr


def test_nightly_deployment_schedule_and_single_run() -> None:
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    from flows.deploy import nightly_deployment

    deployment = nightly_deployment({"source_dir": "/drop"})
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/London")
    assert deployment.concurrency_limit == 1
    assert deployment.concurrency_options.collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    assert deployment.parameters == {"source_dir": "/drop"}
