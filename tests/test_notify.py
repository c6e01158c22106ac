"""Failure notifications reach a webhook (a real receiver on 127.0.0.1); the URL stays secret."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support import SMALL_DELIVERY, run_nightly

from flows.notify import URLLIB3_LOGGERS, post_notification


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict], list[int]]]:
    received: list[dict] = []
    statuses: list[int] = [200]  # responses to give, the last one repeats

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            if status == 200:
                received.append(json.loads(body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook/s3cret-token", received, statuses
    finally:
        server.shutdown()


def test_post_is_retried_on_5xx(receiver) -> None:
    url, received, statuses = receiver
    statuses[:] = [503, 200]
    assert post_notification({"state": "FAILED"}, url)
    assert received == [{"state": "FAILED"}]


def test_the_webhook_url_is_redacted_from_urllib3_retry_logs(
    receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """urllib3 logs the request path (where Teams and Slack keep the secret) at debug level
    on every request and retry: those records reach the log with the URL replaced."""
    url, received, statuses = receiver
    statuses[:] = [503, 502, 200]
    caplog.set_level(logging.DEBUG)
    assert post_notification({"state": "FAILED"}, url)
    assert received == [{"state": "FAILED"}]
    urllib3_lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert sum("<webhook URL>" in line for line in urllib3_lines) >= 3  # both retries logged
    assert "s3cret-token" not in caplog.text
    # The filter is removed afterwards: urllib3's other requests are logged as they are.
    for name in URLLIB3_LOGGERS:
        assert not logging.getLogger(name).filters


def test_no_url_no_post(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDBACK_WEBHOOK_URL", raising=False)
    assert not post_notification({"state": "FAILED"})


@pytest.mark.e2e
def test_a_failed_run_notifies_the_webhook(
    prefect_harness: None, receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received, _ = receiver
    monkeypatch.setenv("FEEDBACK_WEBHOOK_URL", url)
    drop = tmp_path / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    (drop / "case_actions.csv").write_text("case_ref;action\nB1;Formal apology\n")
    run = run_nightly(tmp_path, drop)
    assert run.state.is_failed()
    assert len(received) == 1
    assert received[0]["flow"] == "nightly"
    assert received[0]["state"] == "FAILED"
    assert "case_actions.csv" in received[0]["message"]
    outputs = [
        p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in {".json", ".jsonl", ".csv"}
    ]
    assert outputs and not any("s3cret-token" in p.read_text(errors="ignore") for p in outputs)


@pytest.mark.e2e
def test_an_error_severity_finding_fails_the_run_unpublished_and_notifies(
    prefect_harness: None, receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build whose Total row disagrees with its parts (corrupted after dbt built it, before
    the reconciliation suites run) is not published, and the webhook hears of it."""
    import duckdb

    import expectations.runner

    url, received, _ = receiver
    monkeypatch.setenv("FEEDBACK_WEBHOOK_URL", url)
    real_run_suites = expectations.runner.run_suites

    def corrupt_then_validate(build: Path, run_id: str, *args, **kwargs):
        with duckdb.connect(str(build)) as con:
            con.execute(
                "update report.rpt_stage1_received_by_directorate"
                " set complaints_received = complaints_received + 1 where directorate = 'Total'"
            )
        return real_run_suites(build, run_id, *args, **kwargs)

    monkeypatch.setattr(expectations.runner, "run_suites", corrupt_then_validate)
    run = run_nightly(tmp_path, SMALL_DELIVERY)
    assert run.state.is_failed()
    assert "error-severity expectation" in run.state.message
    assert not run.warehouse.exists()  # nothing was published
    assert len(received) == 1 and received[0]["state"] == "FAILED"
    assert "rpt_stage1_received_by_directorate" in received[0]["message"]
