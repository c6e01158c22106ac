"""A cold `feedback run` overlaps Prefect's temporary server start with its imports
(flows/startup.py): the flow then runs on that same server, and nothing starts when a
Prefect API is configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from prefect import flow
from prefect.server.api.server import SubprocessASGIServer
from flows.startup import prepare_run

later = prepare_run()
later.join()
import logging
# Prefect's logging is set up (dbt's import, first, would leave a plain root handler).
handlers = [type(h).__name__ for h in logging.getLogger().handlers]
assert "PrefectConsoleHandler" in handlers, handlers
for module in ("great_expectations", "dbt.cli.main", "flows.nightly"):
    assert module in sys.modules, module
server = SubprocessASGIServer()
assert server.running and server.server_process.poll() is None
started_on = server.api_url

@flow
def probe() -> str:
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        return str(client.api_url)

used = probe()
assert len(SubprocessASGIServer._instances) == 1, SubprocessASGIServer._instances
assert used.rstrip("/") == started_on.rstrip("/"), (used, started_on)
print("one server", started_on)
"""


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_temporary_server_started_early_is_the_one_the_flow_uses(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")} | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PYTHONPATH": str(PROJECT),
    }
    result = _run(env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "one server" in result.stdout


def test_nothing_is_started_when_a_prefect_api_is_configured(monkeypatch) -> None:
    from flows import startup

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert startup.start_temporary_server() is None
