"""Incremental harvest of one organisation's LGSCO decisions.

A run
-----
1. **Windows.** From the start date to ``until`` (default today) in calendar months. The start
   is ``since`` on the first run (or with ``rescan_all``); afterwards it is the stored
   high-water mark (newest decision date seen) minus ``overlap_days`` (default 56: decisions
   are published about six weeks after the decision date), never before ``since``.
2. **Listing.** Every window's search results are paged (ten a page). A page without a result
   count raises :class:`~scrapers.lgsco.listing.EmptyListingError`: it is never read as "no
   new decisions".
3. **Selection.** Rows are de-duplicated on canonical URL. A row whose URL is already held with
   the same listing fingerprint is skipped; a changed row is fetched again with the stored ETag
   / Last-Modified (a 304 updates the fingerprint and is not re-parsed). Pages that failed for a
   transient reason (timeout, network, 5xx) on an earlier run are retried, up to
   ``max_retry_attempts`` times, even when outside this run's windows.
4. **Fetching.** Each page's raw HTML is saved under ``raw_dir/decisions/`` (temporary name,
   then rename), parsed, and de-duplicated on the hash of its text (one report filed under
   several references is kept once, the others listed in ``other_references``). The state is
   written atomically after every page, then progress is logged and the callback called.
5. **Finish.** When every window was listed consistently the high-water mark advances.

Listing that changes while it is paged
--------------------------------------
Results are sorted by date, so a decision published (or withdrawn) between two page requests
shifts later rows by one: a row is seen twice (harmless: de-duplicated on URL) or skipped.
Every page carries the site's total, so each pass over a window records the totals of all its
pages. A pass counts as consistent only if every page reported the same total and the pass
found exactly that many distinct rows; otherwise the window is paged again (up to
``max_window_passes`` passes) and the rows of all passes are united (a row seen once is never
dropped). A window still inconsistent after the last pass is reported as a ``listing_unstable``
failure and the high-water mark does not advance, so the next run scans it again.

Resuming
--------
Pages fetched by a run that did not finish are recorded in the state as ``pending``. The next
run re-parses them from their saved raw HTML (no request) and returns them with its own
decisions, so an interrupted harvest followed by a resumed one yields every decision once and
fetches every page at most once. One harvester at a time per state file.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapers.lgsco.client import FetchError, PoliteClient
from scrapers.lgsco.decision_page import Decision, UnknownLayoutError, parse_decision_page
from scrapers.lgsco.listing import (
    DEFAULT_DECISION_CODES,
    ListingError,
    ListingPage,
    ListingRow,
    parse_listing,
    search_url,
)
from scrapers.lgsco.normalise import LGSCO_HOST, reference_to_slug, slugify
from scrapers.lgsco.storage import atomic_write_bytes, atomic_write_json, read_json

__all__ = [
    "Failure",
    "HarvestConfig",
    "HarvestProgress",
    "HarvestResult",
    "HarvestState",
    "harvest_decisions",
    "month_windows",
]

logger = logging.getLogger(__name__)

STATE_VERSION = 1
STATE_SAVE_INTERVAL_S = 2.0  # while pages are fetched; always at the end and on an error


@dataclass(frozen=True)
class HarvestConfig:
    """What to harvest and where to keep things. ``organisation`` is the site's exact name."""

    organisation: str
    state_dir: Path
    raw_dir: Path
    since: date | None = None
    until: date | None = None
    overlap_days: int = 56
    base_url: str = f"https://{LGSCO_HOST}"
    decision_codes: str = DEFAULT_DECISION_CODES
    max_window_passes: int = 3
    max_retry_attempts: int = 5
    rescan_all: bool = False
    save_listings: bool = True

    def __post_init__(self) -> None:
        if not self.organisation.strip():
            raise ValueError("organisation must be given")
        if self.overlap_days < 0:
            raise ValueError("overlap_days must not be negative")
        if self.max_window_passes < 1:
            raise ValueError("max_window_passes must be at least 1")

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir) / f"lgsco-{slugify(self.organisation)}.json"


@dataclass(frozen=True)
class Failure:
    """A page (or listing window) that could not be harvested.

    ``kind``: ``unknown_layout``, ``dead_link``, ``robots_disallowed``, ``timeout``,
    ``connection``, ``http_status``, ``listing_unstable``.
    """

    url: str
    kind: str
    reason: str
    reference: str | None = None
    status: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "kind": self.kind,
            "reason": self.reason,
            "reference": self.reference,
            "status": self.status,
        }


@dataclass(frozen=True)
class HarvestProgress:
    """Reported after each decision page: ``outcome`` is parsed/unchanged/duplicate/failed."""

    fetched: int
    to_fetch: int
    url: str
    outcome: str


@dataclass
class HarvestResult:
    """Decisions parsed by this run (and by an interrupted run it resumed), and what failed.

    ``duplicates`` holds (url, url of the page with the same text that was kept).
    """

    decisions: list[Decision] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    windows: list[tuple[date, date]] = field(default_factory=list)
    high_water_mark: date | None = None
    complete: bool = True


ProgressCallback = Callable[[HarvestProgress], None]


def month_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar-month windows covering ``start``..``end`` inclusive (first and last clipped)."""
    windows: list[tuple[date, date]] = []
    current = start
    while current <= end:
        last_day = calendar.monthrange(current.year, current.month)[1]
        window_end = min(end, current.replace(day=last_day))
        windows.append((current, window_end))
        current = window_end + timedelta(days=1)
    return windows


class HarvestState:
    """The JSON state of one organisation's harvest (see the module docstring)."""

    def __init__(self, path: Path, organisation: str, data: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        data = data or {}
        if data.get("version", STATE_VERSION) != STATE_VERSION:
            raise ValueError(f"unsupported harvest state version in {self.path}")
        if data and data.get("organisation") != organisation:
            raise ValueError(
                f"harvest state {self.path} belongs to {data.get('organisation')!r}, "
                f"not {organisation!r}"
            )
        self.organisation = organisation
        hwm = data.get("high_water_mark")
        self.high_water_mark: date | None = date.fromisoformat(hwm) if hwm else None
        self.pages: dict[str, dict[str, Any]] = data.get("pages", {})
        self.retry: dict[str, dict[str, Any]] = data.get("retry", {})
        self.pending: list[str] = data.get("pending", [])

    @classmethod
    def load(cls, path: Path, organisation: str) -> HarvestState:
        return cls(path, organisation, read_json(path, default=None))

    def save(self) -> None:
        atomic_write_json(
            self.path,
            {
                "version": STATE_VERSION,
                "organisation": self.organisation,
                "high_water_mark": self.high_water_mark.isoformat()
                if self.high_water_mark
                else None,
                "pages": self.pages,
                "retry": self.retry,
                "pending": self.pending,
                "updated_at": datetime.now(UTC).isoformat(),
            },
        )

    def held_by_text(self) -> dict[str, str]:
        """Text hash -> URL of the held page with that text."""
        return {
            entry["text_sha256"]: url
            for url, entry in self.pages.items()
            if entry.get("status") == "held" and entry.get("text_sha256")
        }


class _Run:
    """One harvest run: shared state, counters and results."""

    def __init__(self, client: PoliteClient, config: HarvestConfig, state: HarvestState) -> None:
        self.client = client
        self.config = config
        self.state = state
        self.result = HarvestResult()
        self.by_url: dict[str, Decision] = {}
        self.by_text = state.held_by_text()
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "windows",
                "listing_pages",
                "window_rescans",
                "rows_listed",
                "already_held",
                "retried",
                "to_fetch",
                "requested",
                "parsed",
                "unchanged",
                "duplicates",
                "failed",
                "resumed",
            ),
            0,
        )

    # --- listing ------------------------------------------------------------------------------

    def fetch_listing(self, window: tuple[date, date], page: int) -> ListingPage:
        url = search_url(
            self.config.base_url,
            self.config.organisation,
            window[0],
            window[1],
            page=page,
            decision_codes=self.config.decision_codes,
        )
        fetched = self.client.get(url)
        self.counts["listing_pages"] += 1
        if fetched.outcome != "ok":
            raise ListingError(
                f"Search results page not available ({fetched.outcome}, HTTP {fetched.status}): "
                f"{url}",
                url=url,
            )
        if self.config.save_listings:
            name = f"{window[0].isoformat()}_{window[1].isoformat()}_p{page}.html"
            atomic_write_bytes(Path(self.config.raw_dir) / "listings" / name, fetched.content)
        return parse_listing(fetched.text, url)

    def scan_window(self, window: tuple[date, date]) -> list[ListingRow]:
        """All rows of one window, paging again while the listing shifts (module docstring)."""
        collected: dict[str, ListingRow] = {}
        for attempt in range(1, self.config.max_window_passes + 1):
            first = self.fetch_listing(window, 1)
            pages = [first]
            pages.extend(self.fetch_listing(window, n) for n in range(2, first.page_count + 1))
            totals = [page.total for page in pages]
            seen_this_pass: set[str] = set()
            for page in pages:
                for row in page.rows:
                    seen_this_pass.add(row.canonical_url)
                    collected.setdefault(row.canonical_url, row)
            if len(set(totals)) == 1 and len(seen_this_pass) == first.total:
                return list(collected.values())
            logger.info(
                "Listing %s..%s changed while paging (totals %s, %d distinct rows), pass %d/%d",
                window[0],
                window[1],
                totals,
                len(seen_this_pass),
                attempt,
                self.config.max_window_passes,
            )
            if attempt < self.config.max_window_passes:
                self.counts["window_rescans"] += 1
        self.result.complete = False
        self.result.failures.append(
            Failure(
                url=search_url(
                    self.config.base_url, self.config.organisation, window[0], window[1]
                ),
                kind="listing_unstable",
                reason=(
                    f"listing for {window[0]}..{window[1]} still inconsistent after "
                    f"{self.config.max_window_passes} passes; kept every row seen"
                ),
            )
        )
        return list(collected.values())

    # --- decision pages -----------------------------------------------------------------------

    def resume_pending(self) -> None:
        """Re-parse, from their raw HTML, the pages an unfinished earlier run fetched."""
        for url in list(self.state.pending):
            entry = self.state.pages.get(url)
            if not entry or entry.get("status") != "held":
                continue
            raw_path = Path(self.config.raw_dir) / entry["raw_file"]
            try:
                html = raw_path.read_text(encoding="utf-8")
            except FileNotFoundError:
                logger.warning("Raw page %s missing: it will be fetched again", raw_path)
                self.state.pages.pop(url)
                self.state.pending.remove(url)
                continue
            row = ListingRow.from_dict(entry["row"])
            try:
                decision = parse_decision_page(
                    html, row.url, row=row, fetched_at=datetime.fromisoformat(entry["fetched_at"])
                )
            except UnknownLayoutError as exc:
                self.forget_text(url)
                entry.update(status="unparsed", reason=str(exc))
                self.state.pending.remove(url)
                self.fail(row, "unknown_layout", str(exc))
                continue
            also = tuple(entry.get("also_filed_as", []))
            self.by_url[url] = replace(decision, other_references=also)
            self.counts["resumed"] += 1

    def fetch_page(self, key: str, row: ListingRow) -> str:
        """Fetch, save, parse and record one decision page; returns the outcome word."""
        state = self.state
        entry = state.pages.get(key)
        try:
            fetched = self.client.get(
                row.url,
                etag=entry.get("etag") if entry else None,
                last_modified=entry.get("last_modified") if entry else None,
            )
        except FetchError as exc:
            state.retry[key] = {
                "row": row.as_dict(),
                "kind": exc.kind,
                "reason": str(exc),
                "attempts": state.retry.get(key, {}).get("attempts", 0) + 1,
            }
            return self.fail(row, exc.kind, str(exc), exc.status)
        state.retry.pop(key, None)
        if fetched.outcome == "disallowed":
            return self.fail(row, "robots_disallowed", f"robots.txt disallows {row.url}")
        self.counts["requested"] += 1
        base_entry = {"fingerprint": row.fingerprint, "row": row.as_dict()}
        if fetched.outcome == "dead":
            self.forget_text(key)
            state.pages[key] = {**base_entry, "status": "dead", "http_status": fetched.status}
            return self.fail(row, "dead_link", f"HTTP {fetched.status}: {row.url}", fetched.status)
        if fetched.outcome == "not_modified":
            if entry is None:  # a 304 to an unconditional request: nothing to fall back on
                return self.fail(row, "http_status", f"HTTP 304 with no stored copy: {row.url}")
            entry.update(base_entry)
            self.counts["unchanged"] += 1
            return "unchanged"

        raw_file = f"decisions/{reference_to_slug(row.reference)}_{_short_hash(key)}.html"
        atomic_write_bytes(Path(self.config.raw_dir) / raw_file, fetched.content)
        page_entry = {
            **base_entry,
            "raw_file": raw_file,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "fetched_at": fetched.fetched_at.isoformat(),
            "reference": row.reference,
        }
        try:
            decision = parse_decision_page(
                fetched.text, row.url, row=row, fetched_at=fetched.fetched_at
            )
        except UnknownLayoutError as exc:
            self.forget_text(key)
            state.pages[key] = {**page_entry, "status": "unparsed", "reason": str(exc)}
            return self.fail(row, "unknown_layout", str(exc))

        page_entry.update(reference=decision.reference, text_sha256=decision.text_sha256)
        original = self.by_text.get(decision.text_sha256)
        if original is not None and original != key:
            state.pages[key] = {**page_entry, "status": "duplicate", "duplicate_of": original}
            kept = state.pages[original]
            also = [*kept.get("also_filed_as", [])]
            if decision.reference not in also and decision.reference != kept.get("reference"):
                also.append(decision.reference)
            kept["also_filed_as"] = also
            if original in self.by_url:
                self.by_url[original] = replace(self.by_url[original], other_references=tuple(also))
            self.result.duplicates.append((key, original))
            self.counts["duplicates"] += 1
            logger.info("%s has the same text as %s: kept once", row.url, original)
            return "duplicate"

        also = tuple(entry.get("also_filed_as", [])) if entry else ()
        self.forget_text(key)
        self.by_text[decision.text_sha256] = key
        state.pages[key] = {**page_entry, "status": "held", "also_filed_as": list(also)}
        if key not in state.pending:
            state.pending.append(key)
        self.by_url[key] = replace(decision, other_references=also)
        self.counts["parsed"] += 1
        return "parsed"

    def forget_text(self, key: str) -> None:
        """Drop ``key`` from the text-hash index (its page is gone, unreadable or replaced)."""
        for text_hash in [h for h, url in self.by_text.items() if url == key]:
            del self.by_text[text_hash]

    def fail(self, row: ListingRow, kind: str, reason: str, status: int | None = None) -> str:
        self.result.failures.append(Failure(row.url, kind, reason, row.reference, status))
        self.counts["failed"] += 1
        logger.warning("Could not harvest %s (%s): %s", row.url, kind, reason)
        return "failed"


def harvest_decisions(
    client: PoliteClient,
    config: HarvestConfig,
    *,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> HarvestResult:
    """Harvest ``config.organisation``'s decisions incrementally (see the module docstring).

    Raises:
        ValueError: no ``since`` on a first run (no high-water mark yet).
        EmptyListingError, ListingError: a search results page was unusable; the state keeps
            what was fetched so far and the high-water mark is unchanged.
        FetchError: a search results page could not be fetched.
        Exception: whatever ``progress`` raises (the state is saved first, so a later run
            resumes where this one stopped).
    """
    state = HarvestState.load(config.state_path, config.organisation)
    until = config.until or today or date.today()
    start = _start_date(config, state)
    run = _Run(client, config, state)
    result = run.result
    result.windows = month_windows(start, until)
    run.counts["windows"] = len(result.windows)
    logger.info(
        "Harvesting LGSCO decisions for %s from %s to %s (%d window(s))",
        config.organisation,
        start,
        until,
        len(result.windows),
    )
    run.resume_pending()

    rows: dict[str, ListingRow] = {}
    for window in result.windows:
        for row in run.scan_window(window):
            rows.setdefault(row.canonical_url, row)
    run.counts["rows_listed"] = len(rows)
    newest = max((row.decision_date for row in rows.values()), default=None)

    to_fetch: list[tuple[str, ListingRow]] = []
    for key, row in rows.items():
        entry = state.pages.get(key)
        if entry is not None and entry.get("fingerprint") == row.fingerprint:
            run.counts["already_held"] += 1
        else:
            to_fetch.append((key, row))
    for key, retry in list(state.retry.items()):
        if key in rows:
            continue
        if retry.get("attempts", 0) >= config.max_retry_attempts:
            logger.warning("Giving up on %s after %d attempts", key, retry["attempts"])
            state.retry.pop(key)
            continue
        to_fetch.append((key, ListingRow.from_dict(retry["row"])))
        run.counts["retried"] += 1
    run.counts["to_fetch"] = len(to_fetch)
    logger.info(
        "%d listed decision(s): %d already held, %d page(s) to fetch",
        len(rows),
        run.counts["already_held"],
        len(to_fetch),
    )

    saved_at = time.monotonic()
    try:
        for done, (key, row) in enumerate(to_fetch, start=1):
            outcome = run.fetch_page(key, row)
            # The state (every page held so far) is rewritten whole: after each page it
            # would cost more than the pages themselves once the politeness delay is off.
            # A run killed in between fetches the pages of its last seconds again.
            if time.monotonic() - saved_at >= STATE_SAVE_INTERVAL_S:
                state.save()
                saved_at = time.monotonic()
            logger.info("Decision page %d/%d %s: %s", done, len(to_fetch), row.url, outcome)
            if progress is not None:
                progress(HarvestProgress(done, len(to_fetch), row.url, outcome))
    except BaseException:
        state.save()
        raise

    if result.complete and newest is not None:
        state.high_water_mark = max(filter(None, (state.high_water_mark, newest)))
    state.pending = []
    state.save()
    result.decisions = list(run.by_url.values())
    result.high_water_mark = state.high_water_mark
    result.counts = run.counts
    logger.info(
        "Harvest of %s done: %d decision(s), %d failure(s), %d duplicate(s); high-water mark %s",
        config.organisation,
        len(result.decisions),
        len(result.failures),
        len(result.duplicates),
        state.high_water_mark,
    )
    return result


def _start_date(config: HarvestConfig, state: HarvestState) -> date:
    if config.rescan_all or state.high_water_mark is None:
        if config.since is None:
            raise ValueError(
                f"No high-water mark in {config.state_path} yet: give `since` for the first "
                f"harvest of {config.organisation}"
            )
        return config.since
    start = state.high_water_mark - timedelta(days=config.overlap_days)
    return max(start, config.since) if config.since else start


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
