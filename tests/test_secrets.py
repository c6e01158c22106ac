"""Planted secrets never leave the environment: a nightly run that uses all three (the export
API token, the Postgres password, the webhook URL), and one that fails and notifies, are run
as an operator runs them (`feedback run`, a process of its own, logging at debug level), and
everything they leave behind is searched for the secrets: their console output, dbt's log and
artifacts, every file under the run's folders, every table of every DuckDB file, every table
of the Postgres database and the Prefect run history (flow and task runs, logs, artifacts).

Each secret is shown to have been used (the API saw the token, Postgres holds the marts, the
webhook got the failure) and each place searched is shown to hold the run's material, so an
empty search cannot pass; `test_the_search_finds_a_secret_that_is_logged` plants a leak in
each channel and checks the search reports it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import duckdb
import pytest
from support import SMALL_DELIVERY

from flows.settings import PROJECT_DIR
from ingest.postgres_load import PostgresConnection

FEEDBACK = str(Path(sys.executable).with_name("feedback"))


@dataclass
class Secrets:
    token: str = field(default_factory=lambda: f"tok-{uuid.uuid4().hex}")
    webhook_key: str = field(default_factory=lambda: f"hook-{uuid.uuid4().hex}")
    postgres_password: str = ""

    def values(self) -> dict[str, str]:
        found = {"export API token": self.token, "webhook URL": self.webhook_key}
        if self.postgres_password:
            found["Postgres password"] = self.postgres_password
        return found


class ExportApi(BaseHTTPRequestHandler):
    """The case system's export API: the fixture delivery, for the right bearer token."""

    token = ""
    refuse = False
    authorisations: ClassVar[list[str | None]] = []
    files: ClassVar[dict[str, bytes]] = {
        p.name: p.read_bytes() for p in sorted(SMALL_DELIVERY.iterdir())
    }

    def do_GET(self) -> None:
        type(self).authorisations.append(self.headers.get("Authorization"))
        if self.refuse or self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.end_headers()
            return
        path = urlsplit(self.path).path
        if path == "/exports":
            listing = [{"name": n, "url": f"/files/{n}"} for n in self.files]
            body = json.dumps({"files": listing, "next_page": None}).encode()
        else:
            body = self.files[path.rsplit("/", 1)[1]]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Webhook(BaseHTTPRequestHandler):
    """A Teams-like receiver: answers 503 once (so the post is retried), then takes it."""

    received: ClassVar[list[dict]] = []
    failures_left = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).failures_left:
            type(self).failures_left -= 1
            self.send_response(503)
        else:
            type(self).received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def export_api() -> Iterator[str]:
    ExportApi.refuse, ExportApi.authorisations = False, []
    yield from _serve(ExportApi)


@pytest.fixture
def webhook() -> Iterator[str]:
    Webhook.received, Webhook.failures_left = [], 1
    yield from _serve(Webhook)


@pytest.fixture
def prefect_api_url(prefect_harness: None) -> str:
    """The session's Prefect server, which the `feedback` processes report to."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def _environment(root: Path, secrets: Secrets, prefect_api_url: str, webhook: str) -> dict:
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=prefect_api_url,
        PREFECT_LOGGING_LEVEL="DEBUG",
        PREFECT_LOGGING_ROOT_LEVEL="DEBUG",  # every library, urllib3 too
        PREFECT_LOGGING_EXTRA_LOGGERS="ingest,flows,scrapers,urllib3",
        DBT_LOG_PATH=str(root / "dbt_logs"),
        FEEDBACK_EXPORT_TOKEN=secrets.token,
        FEEDBACK_WEBHOOK_URL=f"{webhook}/webhookb2/{secrets.webhook_key}?sig=x",
    )
    return env


def _feedback(env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FEEDBACK, *args], env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600
    )


# -- where a secret could end up -----------------------------------------------------------


def _files(root: Path, since: float) -> dict[str, str]:
    """Every file the run wrote: under its root, and dbt's artifacts in the project."""
    found = {}
    written = [*root.rglob("*"), *(PROJECT_DIR / "target").rglob("*")]
    for path in written:
        if not path.is_file() or (root not in path.parents and path.stat().st_mtime < since):
            continue
        found[f"file {path}"] = path.read_bytes().decode("utf-8", errors="replace")
    return found


def _duckdb_tables(root: Path) -> dict[str, str]:
    """Every row of every table and view of every DuckDB file under `root`, as text."""
    found = {}
    for path in root.rglob("*.duckdb"):
        with duckdb.connect(str(path), read_only=True) as con:
            names = con.execute(
                "select schema_name, table_name from duckdb_tables()"
                " union all select schema_name, view_name from duckdb_views()"
                " where not internal"
            ).fetchall()
            for schema, table in names:
                try:
                    rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
                except duckdb.Error:  # a staging view on a since-purged Parquet file
                    continue
                found[f"duckdb {path.name} {schema}.{table}"] = repr(rows)
    return found


def _postgres_tables(connection: PostgresConnection) -> dict[str, str]:
    found = {}
    pg = connection.connect()
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_schema not in ('pg_catalog', 'information_schema')"
            )
            for schema, table in cur.fetchall():
                cur.execute(f'select * from "{schema}"."{table}"')
                found[f"postgres {schema}.{table}"] = repr(cur.fetchall())
    finally:
        pg.close()
    return found


def _prefect_history(since: dt.datetime) -> dict[str, str]:
    """Flow runs started since `since`, with their task runs, logs and artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterStartTime,
        LogFilter,
        LogFilterFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )

    found = {}
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since))
        )
        for run in runs:
            ids = [run.id]
            found[f"prefect flow run {run.name}"] = run.model_dump_json()
            tasks = client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=ids))
            )
            found[f"prefect task runs of {run.name}"] = json.dumps(
                [t.model_dump(mode="json") for t in tasks]
            )
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
            found[f"prefect logs of {run.name}"] = "\n".join(log.message for log in logs)
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
            )
            found[f"prefect artifacts of {run.name}"] = json.dumps(
                [a.model_dump(mode="json") for a in artifacts]
            )
    return found


def _leaks(material: dict[str, str], secrets: Secrets) -> list[str]:
    return [
        f"the {what} is in {where}"
        for where, text in material.items()
        for what, secret in secrets.values().items()
        if secret in text
    ]


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.postgres
def test_no_planted_secret_is_in_any_log_output_table_or_run_history(
    pg_database: PostgresConnection,
    prefect_api_url: str,
    export_api: str,
    webhook: str,
    tmp_path: Path,
) -> None:
    secrets = Secrets(postgres_password=pg_database.password)
    ExportApi.token = secrets.token
    root = tmp_path / "run"
    env = _environment(root, secrets, prefect_api_url, webhook)
    locations = [
        f"--landing-dir={root / 'landing'}",
        f"--warehouse={root / 'warehouse' / 'feedback.duckdb'}",
        f"--reports-dir={root / 'reports'}",
    ]
    started, started_at = dt.datetime.now(dt.UTC), dt.datetime.now().timestamp()

    good = _feedback(
        env, "run", f"--export-url={export_api}", "--since=2022-04-01T00:00:00+00:00",
        "--no-lgsco", "--publish-postgres", *locations,
    )  # fmt: skip
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    ExportApi.refuse = True
    failed = _feedback(env, "run", f"--export-url={export_api}", "--no-lgsco", *locations)
    assert failed.returncode != 0

    # Each secret was used ...
    assert f"Bearer {secrets.token}" in ExportApi.authorisations
    postgres = _postgres_tables(pg_database)
    assert postgres["postgres report.rpt_feedback_overview"] != "[]"
    assert [payload["state"] for payload in Webhook.received] == ["FAILED"]
    assert "401" in Webhook.received[0]["message"]

    # ... and each place searched holds what the runs left there.
    material = {
        "output of the good run": good.stdout + good.stderr,
        "output of the failed run": failed.stdout + failed.stderr,
        **_files(root, started_at),
        **_duckdb_tables(root),
        **postgres,
        **_prefect_history(started),
    }
    console = material["output of the good run"] + material["output of the failed run"]
    assert "Bearer" not in console and "DEBUG" in console  # debug logging was on
    assert "<webhook URL>" in material["output of the failed run"]  # urllib3's retry, redacted
    assert any(k.startswith("file ") and k.endswith("dbt.log") for k in material)
    assert sum(k.startswith("duckdb ") for k in material) > 50
    history_logs = [v for k, v in material.items() if k.startswith("prefect logs of")]
    assert len(history_logs) == 2 and all("land" in logs.lower() for logs in history_logs)

    assert _leaks(material, secrets) == []


@pytest.mark.e2e
def test_the_search_finds_a_secret_that_is_logged(
    prefect_api_url: str, webhook: str, tmp_path: Path
) -> None:
    """The search above, on a flow that leaks the token in each place it searches: it
    reports the console, the Prefect log, a file and a DuckDB table."""
    secrets = Secrets()
    root = tmp_path / "leaky"
    root.mkdir()
    env = _environment(root, secrets, prefect_api_url, webhook)
    leaky_flow = textwrap.dedent(
        """
        import os, sys, duckdb
        from prefect import flow, get_run_logger

        @flow(name="leaky")
        def leaky(root):
            token = os.environ["FEEDBACK_EXPORT_TOKEN"]
            get_run_logger().info("calling the API with %s", token)
            open(f"{root}/notes.txt", "w").write(token)
            with duckdb.connect(f"{root}/w.duckdb") as con:
                con.execute("create table t as select ? as v", [token])

        leaky(sys.argv[1])
        """
    )
    started = dt.datetime.now(dt.UTC)
    done = subprocess.run(
        [sys.executable, "-c", leaky_flow, str(root)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    material = {
        "output": done.stdout + done.stderr,
        **_files(root, started.timestamp()),
        **_duckdb_tables(root),
        **_prefect_history(started),
    }
    leaks = _leaks(material, secrets)
    assert "the export API token is in output" in leaks
    assert any(" in prefect logs of " in leak for leak in leaks)
    assert any(leak.endswith("notes.txt") for leak in leaks)
    assert "the export API token is in duckdb w.duckdb main.t" in leaks
