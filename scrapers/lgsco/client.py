"""A polite HTTP client for the LGSCO website.

* One :class:`requests.Session` with urllib3 :class:`~urllib3.util.Retry`: 429, 500, 502, 503
  and 504 are retried with exponential backoff (``backoff_factor * 2**n``); ``Retry-After`` is
  honoured, capped at ``max_retry_after``. Read timeouts are retried ``read_retries`` times.
* ``timeout`` (connect, read) seconds on every request.
* A descriptive, configurable User-Agent.
* At least ``min_interval`` seconds between the starts of two requests (raised to the site's
  ``Crawl-delay`` when robots.txt sets one for us). Retries inside one request are paced by
  the backoff instead.
* robots.txt is fetched once per origin through the same session and honoured: a disallowed URL
  is not requested and comes back with outcome ``disallowed``. Following RFC 9309, a robots.txt
  answering 404 (or another 4xx) allows everything, 401/403 disallow everything, and an
  unreachable one (5xx after retries, timeout, network error) disallows everything for the
  life of the client.
* Conditional requests: pass the stored ``etag`` / ``last_modified`` and a 304 comes back as
  outcome ``not_modified``.
* 404 and 410 come back as outcome ``dead``. Timeouts, network errors and any other status
  raise :class:`FetchError`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exc
from urllib3.util import Retry

__all__ = ["DEFAULT_USER_AGENT", "FetchError", "FetchResult", "PoliteClient"]

logger = logging.getLogger(__name__)

# Deployments should pass a user_agent with a real contact address for the council's team.
DEFAULT_USER_AGENT = (
    "feedback-pipeline-lgsco/0.1 (+https://github.com/feedback-pipeline; "
    "council complaints annual report; 1 request/s, honours robots.txt)"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEAD_STATUSES = frozenset({404, 410})
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class FetchError(RuntimeError):
    """A request failed after retries; ``kind``: ``timeout``, ``connection``, ``http_status``."""

    def __init__(self, message: str, *, url: str, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    """What one GET produced.

    ``outcome``: ``ok`` (2xx), ``not_modified`` (304 to a conditional request), ``dead`` (404 or
    410) or ``disallowed`` (robots.txt; no request was made and ``status`` is None).
    """

    url: str
    outcome: str
    status: int | None
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def text(self) -> str:
        """The body decoded with the declared charset, else UTF-8, else Windows-1252."""
        return decode_body(self.content, self.content_type)


def decode_body(content: bytes, content_type: str = "") -> str:
    """Decode an HTTP body: declared charset first, then UTF-8 (BOM ok), then Windows-1252."""
    declared = _CHARSET.search(content_type or "")
    if declared:
        try:
            return content.decode(declared.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


class _CappedRetry(Retry):
    """``Retry`` that honours ``Retry-After`` but never waits longer than ``max_retry_after``."""

    max_retry_after: float = 120.0

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return None if retry_after is None else min(retry_after, self.max_retry_after)


class _Robots:
    """The robots.txt rules of one origin (or a blanket allow / deny)."""

    def __init__(self, parser: urllib.robotparser.RobotFileParser | None, allow: bool) -> None:
        self.parser = parser
        self.allow = allow

    def can_fetch(self, agent: str, url: str) -> bool:
        return self.parser.can_fetch(agent, url) if self.parser else self.allow

    def crawl_delay(self, agent: str) -> float | None:
        delay = self.parser.crawl_delay(agent) if self.parser else None
        return float(delay) if delay is not None else None


class PoliteClient:
    """Rate-limited, retrying, robots-respecting GET client. Use as a context manager."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        min_interval: float = 1.0,
        timeout: float | tuple[float, float] = (10.0, 30.0),
        max_retries: int = 4,
        read_retries: int = 1,
        backoff_factor: float = 1.0,
        max_retry_after: float = 120.0,
        respect_robots: bool = True,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must not be negative")
        if not user_agent.strip():
            raise ValueError("user_agent must identify the client")
        self.user_agent = user_agent
        self.agent_token = user_agent.split("/", 1)[0].split()[0]
        self.min_interval = min_interval
        self.timeout = timeout
        self.max_retries = max_retries
        self.respect_robots = respect_robots
        self.requests_made = 0
        self._robots: dict[str, _Robots] = {}
        self._lock = threading.Lock()
        self._next_start = 0.0
        retry = _CappedRetry(
            total=max_retries,
            connect=max_retries,
            read=read_retries,
            status=max_retries,
            other=0,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = max_retry_after
        adapter = HTTPAdapter(max_retries=retry)
        self.session = requests.Session()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # --- public -------------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch ``url`` (always True if not respected)."""
        if not self.respect_robots:
            return True
        return self._robots_for(url).can_fetch(self.agent_token, url)

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` politely. See the module docstring for outcomes and errors."""
        if not self.allowed(url):
            logger.info("Skipping %s: disallowed by robots.txt", url)
            return FetchResult(url=url, outcome="disallowed", status=None)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self._request(url, headers)
        status = response.status_code
        common = {
            "url": url,
            "status": status,
            "content_type": response.headers.get("Content-Type", ""),
            "etag": response.headers.get("ETag") or (etag if status == 304 else None),
            "last_modified": response.headers.get("Last-Modified")
            or (last_modified if status == 304 else None),
        }
        if status == 304:
            return FetchResult(outcome="not_modified", **common)
        if status in DEAD_STATUSES:
            logger.info("Dead link (HTTP %d): %s", status, url)
            return FetchResult(outcome="dead", **common)
        if 200 <= status < 300:
            return FetchResult(outcome="ok", content=response.content, **common)
        retried = f" after {self.max_retries} retries" if status in RETRY_STATUSES else ""
        raise FetchError(
            f"HTTP {status} {response.reason}{retried}: {url}",
            url=url,
            kind="http_status",
            status=status,
        )

    # --- internals ----------------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        interval = self.min_interval
        robots = self._robots.get(_origin(url))
        if self.respect_robots and robots is not None:
            interval = max(interval, robots.crawl_delay(self.agent_token) or 0.0)
        with self._lock:
            wait = self._next_start - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._next_start = time.monotonic() + interval

    def _request(self, url: str, headers: dict[str, str]) -> requests.Response:
        self._wait_turn(url)
        self.requests_made += 1
        try:
            return self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            reason = _root_reason(exc)
            timed_out = not isinstance(reason, urllib3_exc.NewConnectionError) and (
                isinstance(exc, requests.Timeout) or isinstance(reason, urllib3_exc.TimeoutError)
            )
            kind = "timeout" if timed_out else "connection"
            problem = (
                f"timed out (timeout {self.timeout}s)"
                if timed_out
                else f"failed ({type(reason).__name__})"
            )
            raise FetchError(f"Request {problem}: {url}", url=url, kind=kind) from exc

    def _robots_for(self, url: str) -> _Robots:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        return self._robots[origin]

    def _load_robots(self, origin: str) -> _Robots:
        robots_url = f"{origin}/robots.txt"
        try:
            response = self._request(robots_url, {})
        except FetchError as exc:
            logger.warning("robots.txt unreachable (%s): disallowing all of %s", exc, origin)
            return _Robots(None, allow=False)
        status = response.status_code
        if status in (401, 403):
            logger.warning("robots.txt answered HTTP %d: disallowing all of %s", status, origin)
            return _Robots(None, allow=False)
        if 400 <= status < 500:
            return _Robots(None, allow=True)
        if not 200 <= status < 300:
            logger.warning("robots.txt answered HTTP %d: disallowing all of %s", status, origin)
            return _Robots(None, allow=False)
        parser = urllib.robotparser.RobotFileParser(robots_url)
        text = decode_body(response.content, response.headers.get("Content-Type", ""))
        parser.parse(text.splitlines())
        return _Robots(parser, allow=True)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _root_reason(exc: requests.RequestException) -> BaseException:
    """The urllib3-level cause of a requests exception (unwrapping MaxRetryError)."""
    reason: BaseException = exc
    if exc.args and isinstance(exc.args[0], BaseException):
        reason = exc.args[0]
    if isinstance(reason, urllib3_exc.MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return reason
