"""Failure notifications reach a webhook (a real receiver on 127.0.0.1); the URL stays secret."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support import SMALL_DELIVERY, run_nightly

from flows.notify import post_notification


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
