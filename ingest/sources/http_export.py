"""Fetch one delivery of case-export files from a case-management system's HTTP export API.

Protocol
--------
Listing (paged, 1-based)::

    GET {base_url}/exports?modified_since=<ISO 8601>&page=<n>
    Authorization: Bearer <token>

    200 {"files": [{"name": "cases.csv", "url": "/exports/files/123"}, ...], "next_page": 2}

``modified_since`` is omitted when not configured. ``next_page`` is null or absent on the last
page and must otherwise be an integer greater than the current page. Each ``url`` is absolute or
relative; relative ones are resolved with :func:`urllib.parse.urljoin` against ``base_url`` plus
a trailing slash (so ``files/1`` lands under the base path, ``/exports/files/1`` under the host
root). Absolute URLs must have the same scheme, host and port as ``base_url``, so the bearer
token is never sent to another origin.

Each file is fetched with ``GET <url>`` (same headers) and streamed to disk in chunks.

Behaviour
---------
* The whole listing is read and validated before any file is downloaded. File names are
  untrusted: empty, ``.``/``..``, absolute names, names containing ``/``, ``\\``, NUL or other
  control characters, and duplicates (case-insensitively) are rejected.
* Each file is written to a hidden temporary file in ``dest_dir`` and moved into place with
  :func:`os.replace`; the temporary file is deleted on failure. Files already completed earlier
  in a failed delivery stay in ``dest_dir``, so treat ``dest_dir`` as incomplete whenever
  :func:`fetch_export` raises. An existing file with the same name is overwritten.
* 429/500/502/503/504 and connection/read errors are retried with exponential backoff via
  urllib3's ``Retry``; ``Retry-After`` is honoured (capped at ``MAX_RETRY_AFTER_S``).
* ``timeout_s`` applies to connecting and to each socket read; it is not a deadline for a whole
  download.
* Every failure is raised as :class:`ExportApiError`. The token never appears in messages or logs,
  and response bodies are not quoted in messages (a server might echo request headers).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exc
from urllib3.util import Retry

__all__ = ["ExportApiError", "HttpExportConfig", "fetch_export"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK_BYTES = 1024 * 1024
MAX_PAGES = 10_000
MAX_RETRY_AFTER_S = 120.0

_DEFAULT_PORTS = {"http": 80, "https": 443}


class ExportApiError(RuntimeError):
    """The export API could not be used; the message names the URL and the problem.

    ``transient`` is True when trying again later may succeed (a network failure, a timeout, a
    5xx or 429 that outlasted the retries); False for a refused token, a missing endpoint or a
    malformed listing, which no retry will mend.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        transient: bool = False,
    ):
        super().__init__(message)
        self.url = url
        self.status = status
        self.transient = transient


@dataclass(frozen=True)
class HttpExportConfig:
    """Settings for one export fetch. ``modified_since`` must be timezone-aware if given."""

    base_url: str
    token_env: str = "FEEDBACK_EXPORT_TOKEN"
    modified_since: datetime | None = None
    timeout_s: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    max_file_bytes: int = 2 * 1024**3
    user_agent: str = "feedback-pipeline (+https://github.com/feedback-pipeline)"

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL with a host: {self.base_url!r}")
        if not self.token_env:
            raise ValueError("token_env must name an environment variable")
        if self.modified_since is not None and self.modified_since.utcoffset() is None:
            raise ValueError("modified_since must be timezone-aware (e.g. tzinfo=timezone.utc)")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.backoff_factor < 0:
            raise ValueError("backoff_factor must not be negative")
        if self.max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")


@dataclass(frozen=True)
class _ListedFile:
    name: str
    url: str


class _CappedRetry(Retry):
    """``Retry`` that honours ``Retry-After`` but never sleeps longer than MAX_RETRY_AFTER_S."""

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return None if retry_after is None else min(retry_after, MAX_RETRY_AFTER_S)


def fetch_export(config: HttpExportConfig, dest_dir: Path) -> list[Path]:
    """Download every file listed by the export API into dest_dir.

    Returns the downloaded paths in listing order.

    Raises:
        ExportApiError: on a missing token, HTTP/network failure, malformed listing, unsafe or
            duplicate file name, or a file larger than ``config.max_file_bytes``.
    """
    token = os.environ.get(config.token_env, "").strip()
    if not token:
        raise ExportApiError(
            f"No export API token: set the {config.token_env} environment variable "
            f"(needed for {config.base_url})",
            url=config.base_url,
        )
    if any(char.isspace() or not char.isprintable() for char in token):
        # Checked here because requests would quote the header value in its own error.
        raise ExportApiError(
            f"The token in the {config.token_env} environment variable contains whitespace or "
            f"control characters (needed for {config.base_url})",
            url=config.base_url,
        )
    dest_dir = Path(dest_dir)
    with _make_session(config, token) as session:
        files = _list_files(session, config)
        dest_dir.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        for index, listed in enumerate(files, start=1):
            path, size = _download(session, config, listed, dest_dir)
            logger.info("Downloaded file %d/%d %s (%d bytes)", index, len(files), listed.name, size)
            paths.append(path)
    logger.info("Export delivery complete: %d file(s) in %s", len(paths), dest_dir)
    return paths


def _make_session(config: HttpExportConfig, token: str) -> requests.Session:
    retry = _CappedRetry(
        total=config.max_retries,
        backoff_factor=config.backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": config.user_agent})
    return session


def _base_with_slash(config: HttpExportConfig) -> str:
    return config.base_url if config.base_url.endswith("/") else config.base_url + "/"


def _get(
    session: requests.Session,
    config: HttpExportConfig,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    stream: bool = False,
) -> requests.Response:
    """GET with retries and timeout; return a 2xx response or raise ExportApiError."""
    try:
        response = session.get(url, params=params, timeout=config.timeout_s, stream=stream)
    except requests.RequestException as exc:
        reason = _root_reason(exc)
        # urllib3 2.x makes NewConnectionError (e.g. refused) a ConnectTimeoutError subclass.
        timed_out = not isinstance(reason, urllib3_exc.NewConnectionError) and (
            isinstance(exc, requests.Timeout) or isinstance(reason, urllib3_exc.TimeoutError)
        )
        problem = (
            f"timed out (timeout {config.timeout_s}s)"
            if timed_out
            else f"connection failed ({type(reason).__name__})"
        )
        raise ExportApiError(
            f"Export API request {problem} after up to {config.max_retries} retries: {url}",
            url=url,
            transient=True,
        ) from exc
    try:
        _check_status(response, config, response.url or url)
    except ExportApiError:
        response.close()
        raise
    return response


def _root_reason(exc: requests.RequestException) -> BaseException:
    """The urllib3-level cause of a requests exception (unwrapping MaxRetryError)."""
    reason: BaseException = exc
    if exc.args and isinstance(exc.args[0], BaseException):
        reason = exc.args[0]
    if isinstance(reason, urllib3_exc.MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return reason


def _check_status(response: requests.Response, config: HttpExportConfig, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (401, 403):
        message = (
            f"Export API refused authentication/authorisation (HTTP {status}) for {url}; "
            f"check the token in the {config.token_env} environment variable"
        )
    elif status == 404:
        message = f"Export API endpoint or file not found (HTTP 404): {url}"
    elif status in RETRY_STATUSES:
        message = (
            f"Export API still returned HTTP {status} {response.reason} after "
            f"{config.max_retries} retries: {url}"
        )
    elif 400 <= status < 500:
        message = f"Export API rejected the request with HTTP {status} {response.reason}: {url}"
    else:
        message = f"Export API returned unexpected HTTP {status} {response.reason}: {url}"
    raise ExportApiError(message, url=url, status=status, transient=status in RETRY_STATUSES)


def _list_files(session: requests.Session, config: HttpExportConfig) -> list[_ListedFile]:
    listing_url = urljoin(_base_with_slash(config), "exports")
    files: list[_ListedFile] = []
    seen_names: set[str] = set()
    page = 1
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"page": page}
        if config.modified_since is not None:
            params["modified_since"] = config.modified_since.isoformat()
        response = _get(session, config, listing_url, params=params)
        page_url = response.url or listing_url
        with response:
            try:
                payload = response.json()
            except ValueError as exc:
                raise ExportApiError(
                    f"Export listing is not valid JSON: {page_url}", url=page_url
                ) from exc
        page_files, next_page = _parse_listing(payload, page_url, page)
        for listed in page_files:
            key = listed.name.casefold()
            if key in seen_names:
                raise ExportApiError(
                    f"Export listing names file {listed.name!r} more than once: {page_url}",
                    url=page_url,
                )
            seen_names.add(key)
            files.append(_ListedFile(listed.name, _resolve_file_url(config, listed.url, page_url)))
        logger.info("Fetched export listing page %d (%d file(s))", page, len(page_files))
        if next_page is None:
            return files
        page = next_page
    raise ExportApiError(
        f"Export listing exceeded {MAX_PAGES} pages: {listing_url}", url=listing_url
    )


def _parse_listing(payload: Any, url: str, page: int) -> tuple[list[_ListedFile], int | None]:
    def bad(problem: str) -> ExportApiError:
        return ExportApiError(f"Malformed export listing from {url}: {problem}", url=url)

    if not isinstance(payload, dict):
        raise bad(f"expected a JSON object, got {type(payload).__name__}")
    raw_files = payload.get("files")
    if not isinstance(raw_files, list):
        raise bad("'files' is missing or not a list")
    listed: list[_ListedFile] = []
    for position, entry in enumerate(raw_files):
        if not isinstance(entry, dict):
            raise bad(f"files[{position}] is not an object")
        name, file_url = entry.get("name"), entry.get("url")
        if not isinstance(name, str):
            raise bad(f"files[{position}].name is missing or not a string")
        if not isinstance(file_url, str) or not file_url.strip():
            raise bad(f"files[{position}].url is missing or not a non-empty string")
        problem = _unsafe_name_problem(name)
        if problem:
            raise bad(f"files[{position}].name {name!r} rejected: {problem}")
        listed.append(_ListedFile(name, file_url.strip()))
    next_page = payload.get("next_page")
    if next_page is not None:
        if isinstance(next_page, bool) or not isinstance(next_page, int):
            raise bad(f"'next_page' must be an integer or null, got {next_page!r}")
        if next_page <= page:
            raise bad(f"'next_page' {next_page} does not advance past page {page}")
    return listed, next_page


def _unsafe_name_problem(name: str) -> str | None:
    """Return why ``name`` is not a safe plain file name, or None if it is."""
    if not name:
        return "empty name"
    if name in (".", ".."):
        return "refers to a directory"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains NUL or another control character"
    if os.path.isabs(name) or Path(name).name != name:
        return "not a plain file name"
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _resolve_file_url(config: HttpExportConfig, raw_url: str, listing_url: str) -> str:
    url = urljoin(_base_with_slash(config), raw_url)
    if _origin(url) != _origin(config.base_url):
        raise ExportApiError(
            f"Export listing {listing_url} points a file at another origin ({url}); "
            f"refusing to send the token there",
            url=url,
        )
    return url


def _download(
    session: requests.Session, config: HttpExportConfig, listed: _ListedFile, dest_dir: Path
) -> tuple[Path, int]:
    """Stream one file to a temporary name in dest_dir, then move it into place."""
    url = listed.url
    final_path = dest_dir / listed.name
    with _get(session, config, url, stream=True) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > config.max_file_bytes:
            raise ExportApiError(
                f"File {listed.name!r} is {declared} bytes, over the "
                f"{config.max_file_bytes}-byte limit: {url}",
                url=url,
                status=response.status_code,
            )
        fd, tmp_name = tempfile.mkstemp(
            dir=dest_dir, prefix=f".{listed.name[:64]}.", suffix=".part"
        )
        tmp_path = Path(tmp_name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as handle:
                try:
                    for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                        size += len(chunk)
                        if size > config.max_file_bytes:
                            raise ExportApiError(
                                f"File {listed.name!r} exceeds the {config.max_file_bytes}-byte "
                                f"limit: {url}",
                                url=url,
                                status=response.status_code,
                            )
                        handle.write(chunk)
                except requests.RequestException as exc:
                    raise ExportApiError(
                        f"Download of {listed.name!r} failed after {size} bytes: {url} "
                        f"({type(exc).__name__})",
                        url=url,
                        status=response.status_code,
                        transient=True,
                    ) from exc
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_path, final_path)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    return final_path, size
