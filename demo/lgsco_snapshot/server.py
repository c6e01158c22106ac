"""Serve the demo's snapshot of the Ombudsman's website on 127.0.0.1.

Paths (the real site's structure, see ``shared/spec/lgsco_sources.md``):

* ``/robots.txt``
* ``/statistics/<file>`` - the all-authorities annual statistics (:mod:`.statistics`)
* ``/Decisions/SearchResults?aname=...&dc=c+nu+u+&fd=...&td=...&page=N`` - the search
  listing, ten a page, "Your search has N results"
* ``/decisions/<category>/<subcategory>/<YY-NNN-NNN>`` - decision statements
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo.lgsco_snapshot.decisions import Snapshot, build_snapshot, render_listing
from demo.lgsco_snapshot.statistics import statistics_files

__all__ = ["ROBOTS_TXT", "serve_snapshot", "statistics_urls"]

ROBOTS_TXT = (
    b"# Demo snapshot of the Local Government and Social Care Ombudsman's website\n"
    b"User-agent: *\nDisallow: /search-admin/\n"
)
LAST_MODIFIED = "Mon, 01 Jul 2024 09:00:00 GMT"


def _not_found() -> bytes:
    return b"<html><body><h1>Page not found</h1></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server_version = "LGSCOSnapshot/1.0"
    snapshot: Snapshot
    stats: dict[str, bytes]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        if path == "/robots.txt":
            return self._send(200, ROBOTS_TXT, "text/plain; charset=utf-8")
        if path.startswith("/statistics/"):
            body = self.stats.get(Path(path).name)
            if body is None:
                return self._send(404, _not_found())
            return self._send(200, body, "text/csv; charset=utf-8")
        if path == "/Decisions/SearchResults":
            return self._listing(parts.query)
        if path.startswith("/decisions/"):
            page = self.snapshot.page(path)
            if page is None:
                return self._send(404, _not_found())
            return self._send_conditional(page.encode("utf-8"))
        return self._send(404, _not_found())

    def _listing(self, raw_query: str) -> None:
        if "dc=c+nu+u+" not in raw_query.split("&"):
            return self._send(400, b"bad decision codes")
        query = parse_qs(raw_query)
        try:
            total, rows, page = self.snapshot.search(query)
        except (KeyError, ValueError):
            return self._send(400, b"bad search")
        self._send(200, render_listing(total, rows, page, raw_query).encode("utf-8"))

    def _send_conditional(self, body: bytes) -> None:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", headers=headers)
        return self._send(200, body, headers=headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def statistics_urls(base_url: str) -> list[str]:
    """The URLs of the statistics files on a running snapshot."""
    return [f"{base_url}/statistics/{name}" for name in statistics_files()]


@contextmanager
def serve_snapshot(delivery_dir: Path | None = None, port: int = 0) -> Iterator[str]:
    """Serve the snapshot (decisions from ``delivery_dir``'s ``ombudsman_cases.csv``; none
    without it) on 127.0.0.1 for the ``with`` block; yields the base URL."""
    snapshot = build_snapshot(Path(delivery_dir) if delivery_dir else None)
    handler = type("Handler", (_Handler,), {"snapshot": snapshot, "stats": statistics_files()})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="lgsco-snapshot", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
