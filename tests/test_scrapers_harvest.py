"""The incremental decisions harvester against the fake LGSCO site on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fixtures.lgsco_site.fake_site import MANIFEST, FakeSite, serve_site

from scrapers.lgsco.client import PoliteClient
from scrapers.lgsco.harvest import (
    HarvestConfig,
    HarvestProgress,
    HarvestResult,
    harvest_decisions,
)
from scrapers.lgsco.listing import EmptyListingError

ORG = "Kent County Council"
SINCE = date(2022, 10, 1)
UNTIL = date(2023, 1, 31)

# Every listed Kent decision except the four that fail and the report's second reference.
EXPECTED = {
    "22 001 239", "22 002 468", "22 003 333", "22 005 001", "22 006 606",
    "22 010 112", "22 010 215", "22 010 318", "22 010 421", "22 010 524", "22 010 627",
    "22 011 101", "22 011 204", "22 011 307", "22 011 410", "22 011 513", "22 011 616",
    "22 011 719", "22 011 822", "22 011 925",
    "22 012 108", "22 012 211", "22 012 314",
    "22 013 107", "22 013 210", "22 013 313",
}  # fmt: skip
EXPECTED_FAILURES = {
    ("22 004 404", "dead_link", 404),
    ("22 004 410", "dead_link", 410),
    ("22 009 999", "unknown_layout", None),
    ("22 007 777", "robots_disallowed", None),
}
LISTED = 31


def path_of(reference: str) -> str:
    entries = [*MANIFEST["decisions"], *MANIFEST["extra"].values()]
    return next(e["path"] for e in entries if e["reference"] == reference)


@dataclass
class Harness:
    site: FakeSite
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def state_path(self) -> Path:
        return self.config().state_path

    def config(self, **overrides: Any) -> HarvestConfig:
        settings: dict[str, Any] = {
            "organisation": ORG,
            "state_dir": self.root / "state",
            "raw_dir": self.raw_dir,
            "since": SINCE,
            "until": UNTIL,
            "base_url": self.site.base_url,
        }
        settings.update(overrides)
        return HarvestConfig(**settings)

    def client(self, **overrides: Any) -> PoliteClient:
        settings: dict[str, Any] = {
            "user_agent": "feedback-pipeline-tests/1.0 (+https://example.invalid/tests)",
            "min_interval": 0.0,
            "timeout": (2.0, 2.0),
            "backoff_factor": 0.0,
            "max_retry_after": 5.0,
        }
        settings.update(overrides)
        return PoliteClient(**settings)

    def run(self, *, client: PoliteClient | None = None, **config: Any) -> HarvestResult:
        with client or self.client() as active:
            return harvest_decisions(active, self.config(**config))

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_path.read_text(encoding="utf-8"))


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    with serve_site() as site:
        yield Harness(site, tmp_path)


def references(result: HarvestResult) -> list[str]:
    return sorted(decision.reference for decision in result.decisions)


def failures(result: HarvestResult) -> set[tuple[str | None, str, int | None]]:
    return {(f.reference, f.kind, f.status) for f in result.failures}


def assert_each_page_fetched_at_most_once(site: FakeSite) -> None:
    repeated = {path: n for path, n in Counter(site.decision_requests()).items() if n > 1}
    assert repeated == {}


def test_full_harvest(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    progress: list[HarvestProgress] = []
    caplog.set_level(logging.INFO, logger="scrapers.lgsco")
    with h.client() as client:
        result = harvest_decisions(client, h.config(), progress=progress.append)

    assert references(result) == sorted(EXPECTED)  # no duplicates, the report once
    assert failures(result) == EXPECTED_FAILURES
    unknown = next(f for f in result.failures if f.kind == "unknown_layout")
    assert h.site.url(path_of("22 009 999")) in unknown.reason
    assert result.complete is True
    assert result.high_water_mark == date(2023, 1, 26)
    assert result.windows[0] == (date(2022, 10, 1), date(2022, 10, 31))
    assert len(result.windows) == 4

    report = next(d for d in result.decisions if d.reference == "22 005 001")
    assert report.other_references == ("22 005 002",)
    assert report.publication_type == "report"
    assert result.duplicates == [
        (h.site.url(path_of("22 005 002")), h.site.url(path_of("22 005 001")))
    ]
    # a page without header lines got its outcome and date from the listing row
    no_header = next(d for d in result.decisions if d.reference == "22 003 333")
    assert (no_header.decision, no_header.decision_date) == ("not_upheld", date(2022, 11, 21))
    # the listing linked 22 001 239 with ?displaypref=2: the record has the canonical URL
    direct = next(d for d in result.decisions if d.reference == "22 001 239")
    assert direct.url == h.site.url(path_of("22 001 239"))
    assert {a.amount for a in direct.remedy_amounts} == {1300, 100}
    satisfied = next(d for d in result.decisions if d.reference == "22 002 468")
    assert satisfied.satisfactory_remedy is True

    # requests: every decision page once, the disallowed one never, November paged twice
    assert_each_page_fetched_at_most_once(h.site)
    assert len(h.site.decision_requests()) == LISTED - 1
    assert h.site.requests_to(path_of("22 007 777")) == []
    listing = h.site.listing_requests()
    assert len(listing) == 5
    assert all("dc=c+nu+u+" in seen.raw_query.split("&") for seen in listing)
    assert all("aname=Kent+County+Council" in seen.raw_query for seen in listing)
    assert [s.raw_query for s in listing if "fd=2022-11-01" in s.raw_query][1].count("page=2") == 1

    # raw HTML for every page that came back 200 (parsed, duplicate, unknown layout)
    raw_pages = sorted(p.name for p in (h.raw_dir / "decisions").iterdir())
    assert len(raw_pages) == len(EXPECTED) + 2
    assert any(name.startswith("22-009-999_") for name in raw_pages)
    assert len(list((h.raw_dir / "listings").glob("*.html"))) == 5
    assert not list(h.raw_dir.rglob("*.tmp"))

    assert [(p.fetched, p.to_fetch) for p in progress] == [(n, LISTED) for n in range(1, 32)]
    assert result.counts["parsed"] == len(EXPECTED)
    assert result.counts["duplicates"] == 1
    assert result.counts["failed"] == 4
    assert "Decision page 31/31" in caplog.text

    state = h.state()
    assert state["high_water_mark"] == "2023-01-26"
    assert state["pending"] == []
    statuses = Counter(entry["status"] for entry in state["pages"].values())
    assert statuses == {"held": len(EXPECTED), "duplicate": 1, "dead": 2, "unparsed": 1}


def test_second_run_fetches_nothing_new(h: Harness) -> None:
    h.run()
    h.site.seen.clear()
    result = h.run()
    assert result.decisions == []
    assert result.failures == []
    assert h.site.decision_requests() == []
    # only the overlap: high-water mark 2023-01-26 minus 56 days = 2022-12-01, two windows
    assert result.windows == [
        (date(2022, 12, 1), date(2022, 12, 31)),
        (date(2023, 1, 1), date(2023, 1, 31)),
    ]
    listing = [seen.raw_query for seen in h.site.listing_requests()]
    assert len(listing) == 2
    assert "fd=2022-12-01" in listing[0] and "fd=2023-01-01" in listing[1]
    assert result.counts["already_held"] == 11
    assert result.counts["to_fetch"] == 0


def test_interrupted_harvest_resumes_without_refetching(h: Harness) -> None:
    class Stop(Exception):
        pass

    def stop_after_five(progress: HarvestProgress) -> None:
        if progress.fetched == 5:
            raise Stop

    with h.client() as client, pytest.raises(Stop):
        harvest_decisions(client, h.config(), progress=stop_after_five)
    assert len(h.site.decision_requests()) == 5
    assert len(h.state()["pending"]) == 5
    assert h.state()["high_water_mark"] is None

    result = h.run()
    assert references(result) == sorted(EXPECTED)
    assert result.counts["resumed"] == 5
    assert_each_page_fetched_at_most_once(h.site)
    assert len(h.site.decision_requests()) == LISTED - 1
    assert h.state()["pending"] == []


def test_listing_that_grows_between_pages(h: Harness) -> None:
    new = copy.deepcopy(MANIFEST["extra"]["inserted_during_paging"])
    h.site.insert_after_first_page.append(new)
    result = h.run()
    got = references(result)
    assert len(got) == len(set(got))
    assert set(got) == EXPECTED | {"22 014 400"}
    assert result.counts["window_rescans"] == 1
    assert result.complete is True
    assert_each_page_fetched_at_most_once(h.site)


def test_listing_that_shrinks_between_pages(h: Harness) -> None:
    # Removing November's second-newest row after page 1 pulls row 11 onto page 1 unseen.
    h.site.remove_after_first_page.append("22 011 925")
    result = h.run()
    got = references(result)
    assert len(got) == len(set(got))
    assert set(got) == EXPECTED  # nothing missed (the removed page is still up, so kept)
    assert failures(result) == EXPECTED_FAILURES  # 22 004 404, pulled onto page 1, was seen
    assert result.counts["window_rescans"] == 1
    assert_each_page_fetched_at_most_once(h.site)


def test_single_pass_over_a_shrinking_listing_is_detected(h: Harness) -> None:
    # The same shift with no second pass allowed: a row is missed, and the run says so.
    h.site.remove_after_first_page.append("22 011 925")
    result = h.run(max_window_passes=1)
    assert result.complete is False
    assert [f.kind for f in result.failures if f.reference is None] == ["listing_unstable"]
    listed = EXPECTED | {reference for reference, _, _ in EXPECTED_FAILURES} | {"22 005 002"}
    seen = set(references(result)) | {f.reference for f in result.failures if f.reference}
    seen |= {"22 005 002"} if result.duplicates else set()
    assert listed - seen == {"22 004 404"}  # pulled from page 2 onto page 1 after it was read
    assert result.high_water_mark is None


def test_listing_that_never_settles_is_reported(h: Harness) -> None:
    extras = []
    for n in range(3):
        extra = copy.deepcopy(MANIFEST["extra"]["inserted_during_paging"])
        extra["reference"] = f"22 014 40{n}"
        extra["path"] = extra["path"].replace("22-014-400", f"22-014-40{n}")
        extras.append(extra)
    h.site.insert_after_first_page.extend(extras)  # one insertion per pass, three passes
    result = h.run(max_window_passes=2)
    assert result.complete is False
    [unstable] = [f for f in result.failures if f.kind == "listing_unstable"]
    assert "fd=2022-11-01" in unstable.url
    assert result.high_water_mark is None  # the next run scans again from `since`
    got = references(result)
    assert len(got) == len(set(got))
    assert set(got) >= EXPECTED


def test_transient_faults_are_retried(h: Harness) -> None:
    h.site.faults_429[path_of("22 001 239")] = 1
    h.site.faults_500[path_of("22 011 101")] = 2
    h.site.faults_500["/Decisions/SearchResults"] = 1
    result = h.run()
    assert references(result) == sorted(EXPECTED)
    assert failures(result) == EXPECTED_FAILURES
    assert len(h.site.requests_to(path_of("22 001 239"))) == 2
    assert len(h.site.requests_to(path_of("22 011 101"))) == 3


def test_timeout_is_recorded_and_retried_next_run(h: Harness) -> None:
    slow = path_of("22 010 627")  # October: outside the next run's overlap windows
    h.site.delays[slow] = 1.0
    client = h.client(timeout=(2.0, 0.3), read_retries=0)
    result = h.run(client=client)
    assert ("22 010 627", "timeout", None) in failures(result)
    assert set(references(result)) == EXPECTED - {"22 010 627"}
    assert h.state()["retry"][h.site.url(slow)]["attempts"] == 1

    h.site.delays.clear()
    again = h.run()
    assert references(again) == ["22 010 627"]
    assert again.counts["retried"] == 1
    assert h.state()["retry"] == {}


def test_empty_listing_raises_and_changes_nothing(h: Harness) -> None:
    h.site.empty_shell = True
    with pytest.raises(EmptyListingError, match="no 'Your search has N results' count"):
        h.run()
    assert h.site.decision_requests() == []
    assert not h.state_path.exists() or h.state()["high_water_mark"] is None

    h.site.empty_shell = False
    assert references(h.run()) == sorted(EXPECTED)


def test_changed_listing_row_uses_conditional_request(h: Harness) -> None:
    h.run()
    # 22 006 606's row changes but its page does not: ETag matches, 304, not re-parsed
    h.site.entry("22 006 606")["summary"] += " (summary edited)"
    # 22 013 210's row and page both change: fetched and parsed again
    h.site.entry("22 013 210")["summary"] = "Mrs R complained about delays. We found fault."
    h.site.seen.clear()
    result = h.run()
    assert result.counts["unchanged"] == 1
    assert references(result) == ["22 013 210"]
    assert result.decisions[0].summary == "Mrs R complained about delays. We found fault."
    [conditional] = h.site.requests_to(path_of("22 006 606"))
    assert conditional.headers["If-None-Match"].startswith('"')
    h.site.seen.clear()
    assert h.run().decisions == []
    assert h.site.decision_requests() == []


def test_first_run_needs_since(h: Harness) -> None:
    with pytest.raises(ValueError, match="give `since`"):
        h.run(since=None)


def test_state_of_another_organisation_is_refused(h: Harness) -> None:
    h.state_path.parent.mkdir(parents=True)
    h.state_path.write_text(json.dumps({"version": 1, "organisation": "Medway Council"}))
    with pytest.raises(ValueError, match="belongs to 'Medway Council'"):
        h.run()
