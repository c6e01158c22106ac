"""Tests for ingest.sources.http_export against a real local HTTP server (no request mocks)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest.sources import http_export
from ingest.sources.http_export import ExportApiError, HttpExportConfig, fetch_export

TOKEN = "s3cr3t-test-token-value"
TOKEN_ENV = "TEST_FEEDBACK_EXPORT_TOKEN"


@dataclass
class Reply:
    """One canned response from the fake export API."""

    status: int = 200
    body: Any = b""  # bytes are sent as-is; anything else is JSON-encoded
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True  # False: no Content-Length, body ends when the connection closes
    declared_length: int | None = None  # overrides Content-Length (to simulate truncation)


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Route = list[Reply] | Callable[[Seen], Reply]


class FakeExportApi:
    """Dict-driven fake API: ``routes[path]`` is a reply sequence (last one repeats) or callable."""

    def __init__(self, base_url: str, stop: threading.Event) -> None:
        self.base_url = base_url
        self.stop = stop
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def pages(self, *pages: dict[str, Any], path: str = "/exports") -> None:
        """Serve listing page n (from the ``page`` query parameter) as ``pages[n - 1]``."""

        def reply(seen: Seen) -> Reply:
            number = int(seen.query["page"][0])
            if 1 <= number <= len(pages):
                return Reply(body=pages[number - 1])
            return Reply(status=404)

        self.routes[path] = reply

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if seen.path == path]

    def respond(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            route = self.routes.get(seen.path)
            if route is None:
                return Reply(status=404, body=b"no such route")
            if callable(route):
                return route(seen)
            return route.pop(0) if len(route) > 1 else route[0]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out leave broken pipes behind; that is expected here


@pytest.fixture
def api() -> Iterator[FakeExportApi]:
    stop = threading.Event()
    holder: dict[str, FakeExportApi] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            seen = Seen(parts.path, parse_qs(parts.query), dict(self.headers.items()))
            reply = holder["api"].respond(seen)
            if reply.delay and stop.wait(reply.delay):
                return
            if isinstance(reply.body, bytes):
                body, content_type = reply.body, "application/octet-stream"
            else:
                body, content_type = json.dumps(reply.body).encode(), "application/json"
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            if reply.send_length:
                length = reply.declared_length if reply.declared_length is not None else len(body)
                self.send_header("Content-Length", str(length))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    holder["api"] = FakeExportApi(f"http://127.0.0.1:{server.server_address[1]}", stop)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield holder["api"]
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


def make_config(api: FakeExportApi, **overrides: Any) -> HttpExportConfig:
    settings: dict[str, Any] = {
        "base_url": api.base_url,
        "token_env": TOKEN_ENV,
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_factor": 0.01,
    }
    settings.update(overrides)
    return HttpExportConfig(**settings)


def one_file_listing(name: str = "cases.csv", url: str = "/exports/files/1") -> dict[str, Any]:
    return {"files": [{"name": name, "url": url}], "next_page": None}


def assert_token_hidden(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in str(exc)
    assert TOKEN not in caplog.text


def test_happy_path_two_pages_three_files(
    api: FakeExportApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http_export, "CHUNK_BYTES", 7)  # force several chunks per file
    contents = {
        "cases.csv": b"id,opened\n1,2024-04-01\n2,2024-04-02\n",
        "actions.csv": bytes(range(256)) * 3,
        "meta.json": b'{"delivery": 42}',
    }
    api.pages(
        {
            "files": [
                {"name": "cases.csv", "url": "/exports/files/1"},
                {"name": "actions.csv", "url": "exports/files/2"},
            ],
            "next_page": 2,
        },
        {"files": [{"name": "meta.json", "url": f"{api.base_url}/exports/files/3"}]},
    )
    api.route("/exports/files/1", Reply(body=contents["cases.csv"]))
    api.route("/exports/files/2", Reply(body=contents["actions.csv"]))
    api.route("/exports/files/3", Reply(body=contents["meta.json"]))
    since = datetime(2024, 4, 1, 6, 30, tzinfo=timezone(timedelta(hours=1)))
    dest = tmp_path / "delivery"

    with caplog.at_level(logging.INFO, logger="ingest.sources.http_export"):
        paths = fetch_export(make_config(api, modified_since=since), dest)

    assert paths == [dest / "cases.csv", dest / "actions.csv", dest / "meta.json"]
    for path in paths:
        assert path.read_bytes() == contents[path.name]
    assert sorted(p.name for p in dest.iterdir()) == sorted(contents)  # no temp files left

    listing = api.hits("/exports")
    assert [seen.query["page"] for seen in listing] == [["1"], ["2"]]
    assert all(seen.query["modified_since"] == [since.isoformat()] for seen in listing)
    for seen in api.seen:
        assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["User-Agent"].startswith("feedback-pipeline")
    assert [seen.path for seen in api.seen[2:]] == [f"/exports/files/{n}" for n in (1, 2, 3)]

    assert "page 1" in caplog.text and "page 2" in caplog.text
    assert f"1/3 cases.csv ({len(contents['cases.csv'])} bytes)" in caplog.text
    assert "3/3 meta.json" in caplog.text
    assert TOKEN not in caplog.text


def test_modified_since_none_omits_parameter(api: FakeExportApi, tmp_path: Path) -> None:
    api.pages({"files": []})

    assert fetch_export(make_config(api), tmp_path / "out") == []

    (seen,) = api.hits("/exports")
    assert seen.query == {"page": ["1"]}


@pytest.mark.parametrize("prefix", ["/api", "/api/"])
def test_base_url_path_prefix_with_or_without_trailing_slash(
    api: FakeExportApi, tmp_path: Path, prefix: str
) -> None:
    api.pages(one_file_listing(url="files/1"), path="/api/exports")
    api.route("/api/files/1", Reply(body=b"x"))

    paths = fetch_export(make_config(api, base_url=api.base_url + prefix), tmp_path)

    assert [p.read_bytes() for p in paths] == [b"x"]


def test_429_with_retry_after_then_success(api: FakeExportApi, tmp_path: Path) -> None:
    api.route(
        "/exports",
        Reply(status=429, headers={"Retry-After": "1"}),
        Reply(body=one_file_listing()),
    )
    api.route("/exports/files/1", Reply(body=b"ok"))

    started = time.monotonic()
    paths = fetch_export(make_config(api), tmp_path)

    assert time.monotonic() - started >= 0.9  # Retry-After was honoured
    assert len(api.hits("/exports")) == 2
    assert paths[0].read_bytes() == b"ok"


def test_503_beyond_max_retries(
    api: FakeExportApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.route("/exports", Reply(status=503))

    with pytest.raises(ExportApiError) as excinfo:
        fetch_export(make_config(api, max_retries=2), tmp_path)

    message = str(excinfo.value)
    assert "503" in message
    assert f"{api.base_url}/exports?page=1" in message
    assert excinfo.value.status == 503
    assert len(api.hits("/exports")) == 3  # first try + 2 retries
    assert_token_hidden(excinfo.value, caplog)


def test_500_on_file_download_names_file_url(api: FakeExportApi, tmp_path: Path) -> None:
    api.pages(one_file_listing())
    api.route("/exports/files/1", Reply(status=500))

    with pytest.raises(ExportApiError, match=r"HTTP 500.*/exports/files/1"):
        fetch_export(make_config(api, max_retries=1), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [401, 403])
def test_auth_refused(
    api: FakeExportApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    api.route("/exports", Reply(status=status, body={"echo": f"Bearer {TOKEN}"}))

    with pytest.raises(ExportApiError) as excinfo:
        fetch_export(make_config(api), tmp_path)

    message = str(excinfo.value)
    assert "authentication/authorisation" in message
    assert f"HTTP {status}" in message
    assert TOKEN_ENV in message
    assert f"{api.base_url}/exports" in message
    assert len(api.hits("/exports")) == 1  # not retried
    assert_token_hidden(excinfo.value, caplog)


@pytest.mark.parametrize("missing", ["/exports", "/exports/files/1"])
def test_404_names_url(
    api: FakeExportApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, missing: str
) -> None:
    if missing != "/exports":
        api.pages(one_file_listing())

    with pytest.raises(ExportApiError) as excinfo:
        fetch_export(make_config(api), tmp_path)

    message = str(excinfo.value)
    assert "not found" in message
    assert "404" in message
    assert f"{api.base_url}{missing}" in message
    assert_token_hidden(excinfo.value, caplog)


def test_other_4xx_reports_status(api: FakeExportApi, tmp_path: Path) -> None:
    api.route("/exports", Reply(status=400))

    with pytest.raises(ExportApiError, match=r"HTTP 400 .*/exports\?page=1"):
        fetch_export(make_config(api), tmp_path)
    assert len(api.hits("/exports")) == 1


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_token(
    api: FakeExportApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(TOKEN_ENV)
    else:
        monkeypatch.setenv(TOKEN_ENV, value)

    with pytest.raises(ExportApiError, match=TOKEN_ENV):
        fetch_export(make_config(api), tmp_path)
    assert api.seen == []


def test_token_is_stripped_and_must_be_clean(
    api: FakeExportApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.pages({"files": []})
    monkeypatch.setenv(TOKEN_ENV, f"{TOKEN}\n")
    fetch_export(make_config(api), tmp_path)
    assert api.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"

    monkeypatch.setenv(TOKEN_ENV, f"{TOKEN}\nX-Injected: 1")
    with pytest.raises(ExportApiError, match="whitespace or control") as excinfo:
        fetch_export(make_config(api), tmp_path)
    assert TOKEN not in str(excinfo.value)
    assert len(api.seen) == 1


def test_default_token_env_name(
    api: FakeExportApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEEDBACK_EXPORT_TOKEN", raising=False)

    with pytest.raises(ExportApiError, match="FEEDBACK_EXPORT_TOKEN"):
        fetch_export(HttpExportConfig(base_url=api.base_url), tmp_path)


@pytest.mark.parametrize(
    "name",
    ["../evil.csv", "/etc/passwd", "a/b.csv", "..", ".", "", "a\\b.csv", "nul\x00.csv", "x\n.csv"],
)
def test_malicious_names_rejected(api: FakeExportApi, tmp_path: Path, name: str) -> None:
    api.pages(one_file_listing(name=name))
    api.route("/exports/files/1", Reply(body=b"pwned"))
    dest = tmp_path / "inner" / "dest"

    with pytest.raises(ExportApiError, match="rejected"):
        fetch_export(make_config(api), dest)

    assert api.hits("/exports/files/1") == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("second", ["cases.csv", "CASES.csv"])
def test_duplicate_names_rejected(api: FakeExportApi, tmp_path: Path, second: str) -> None:
    api.pages(
        {"files": [{"name": "cases.csv", "url": "/exports/files/1"}], "next_page": 2},
        {"files": [{"name": second, "url": "/exports/files/2"}]},
    )

    with pytest.raises(ExportApiError, match="more than once"):
        fetch_export(make_config(api), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_file_on_another_origin_rejected(api: FakeExportApi, tmp_path: Path) -> None:
    port = urlsplit(api.base_url).port
    api.pages(one_file_listing(url=f"http://localhost:{port}/exports/files/1"))
    api.route("/exports/files/1", Reply(body=b"data"))

    with pytest.raises(ExportApiError, match="another origin"):
        fetch_export(make_config(api), tmp_path)
    assert api.hits("/exports/files/1") == []  # the token was never sent there


@pytest.mark.parametrize("send_length", [True, False])
def test_file_over_max_bytes(
    api: FakeExportApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, send_length: bool
) -> None:
    monkeypatch.setattr(http_export, "CHUNK_BYTES", 4)
    api.pages(one_file_listing())
    api.route("/exports/files/1", Reply(body=b"x" * 11, send_length=send_length))

    with pytest.raises(ExportApiError, match=r"10-byte limit.*/exports/files/1"):
        fetch_export(make_config(api, max_file_bytes=10), tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the final name nor a temp file


def test_file_exactly_max_bytes_is_accepted(api: FakeExportApi, tmp_path: Path) -> None:
    api.pages(one_file_listing())
    api.route("/exports/files/1", Reply(body=b"x" * 10, send_length=False))

    (path,) = fetch_export(make_config(api, max_file_bytes=10), tmp_path)
    assert path.read_bytes() == b"x" * 10


def test_truncated_download_leaves_no_file(api: FakeExportApi, tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_bytes(b"previous delivery")
    api.pages(one_file_listing())
    api.route("/exports/files/1", Reply(body=b"0123456789", declared_length=100))

    with pytest.raises(ExportApiError, match=r"cases\.csv.*/exports/files/1"):
        fetch_export(make_config(api), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]
    assert (tmp_path / "cases.csv").read_bytes() == b"previous delivery"


@pytest.mark.parametrize("retries", [0, 1])
def test_server_never_answers_within_timeout(
    api: FakeExportApi, tmp_path: Path, retries: int
) -> None:
    api.route("/exports", Reply(body=one_file_listing(), delay=10))

    started = time.monotonic()
    with pytest.raises(ExportApiError, match=r"timed out.*/exports"):
        fetch_export(make_config(api, timeout_s=0.5, max_retries=retries), tmp_path)
    assert time.monotonic() - started < 3
    assert len(api.hits("/exports")) == retries + 1


def test_connection_refused_names_url(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    config = HttpExportConfig(base_url=base_url, token_env=TOKEN_ENV, max_retries=0)

    with pytest.raises(ExportApiError, match=rf"connection failed.*{base_url}/exports"):
        fetch_export(config, tmp_path)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        ["cases.csv"],
        {"items": []},
        {"files": "cases.csv"},
        {"files": [{"name": "cases.csv"}]},
        {"files": [{"url": "/exports/files/1"}]},
        {"files": [], "next_page": "2"},
        {"files": [], "next_page": True},
    ],
)
def test_bad_listing(api: FakeExportApi, tmp_path: Path, body: Any) -> None:
    api.route("/exports", Reply(body=body))

    with pytest.raises(ExportApiError, match=r"(not valid JSON|Malformed).*/exports"):
        fetch_export(make_config(api), tmp_path)


@pytest.mark.parametrize("pages", [[1], [2, 1], [2, 2]])
def test_paging_loop_guard(api: FakeExportApi, tmp_path: Path, pages: list[int]) -> None:
    api.pages(*({"files": [], "next_page": next_page} for next_page in pages))

    with pytest.raises(ExportApiError, match="does not advance"):
        fetch_export(make_config(api), tmp_path)
    assert len(api.hits("/exports")) == len(pages)


def test_naive_modified_since_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        HttpExportConfig(base_url="https://example.invalid", modified_since=datetime(2024, 1, 1))
