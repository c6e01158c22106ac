"""The polite HTTP client against the fake LGSCO site on 127.0.0.1 (no request mocks)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fixtures.lgsco_site.fake_site import FakeSite, serve_site

from scrapers.lgsco.client import FetchError, PoliteClient

USER_AGENT = "feedback-pipeline-tests/1.0 (+https://example.invalid/tests)"
PAGE = "/decisions/adult-care-services/direct-payments/22-001-239"
DISALLOWED = "/decisions/education/school-admissions/22-007-777"


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with serve_site() as running:
        yield running


def make_client(**overrides: Any) -> PoliteClient:
    settings: dict[str, Any] = {
        "user_agent": USER_AGENT,
        "min_interval": 0.0,
        "timeout": (2.0, 2.0),
        "backoff_factor": 0.0,
        "max_retry_after": 5.0,
    }
    settings.update(overrides)
    return PoliteClient(**settings)


def test_get_identifies_itself_and_reads_validators(site: FakeSite) -> None:
    with make_client() as client:
        result = client.get(site.url(PAGE))
    assert result.outcome == "ok"
    assert result.status == 200
    assert "Kent County Council (22 001 239)" in result.text
    assert "£1,300" in result.text
    assert result.etag and result.etag.startswith('"')
    assert result.last_modified == "Mon, 06 Mar 2023 09:00:00 GMT"
    [seen] = site.requests_to(PAGE)
    assert seen.headers["User-Agent"] == USER_AGENT


def test_429_is_retried_honouring_retry_after(site: FakeSite) -> None:
    site.faults_429[PAGE] = 1
    site.retry_after = 1
    with make_client() as client:
        result = client.get(site.url(PAGE))
    assert result.outcome == "ok"
    first, second = site.requests_to(PAGE)
    assert second.at - first.at >= 0.9


def test_long_retry_after_is_capped(site: FakeSite) -> None:
    site.faults_429[PAGE] = 1
    site.retry_after = 60
    started = time.monotonic()
    with make_client(max_retry_after=0.2) as client:
        assert client.get(site.url(PAGE)).outcome == "ok"
    assert time.monotonic() - started < 5


def test_500_is_retried(site: FakeSite) -> None:
    site.faults_500[PAGE] = 2
    with make_client() as client:
        assert client.get(site.url(PAGE)).outcome == "ok"
    assert len(site.requests_to(PAGE)) == 3


def test_persistent_500_raises_after_retries(site: FakeSite) -> None:
    site.faults_500[PAGE] = 10
    with make_client(max_retries=2) as client, pytest.raises(FetchError) as caught:
        client.get(site.url(PAGE))
    assert caught.value.kind == "http_status"
    assert caught.value.status == 500
    assert site.url(PAGE) in str(caught.value)
    assert len(site.requests_to(PAGE)) == 3


def test_timeout_raises_fetch_error(site: FakeSite) -> None:
    site.delays[PAGE] = 1.5
    started = time.monotonic()
    with (
        make_client(timeout=(2.0, 0.3), read_retries=1) as client,
        pytest.raises(FetchError) as caught,
    ):
        client.get(site.url(PAGE))
    assert caught.value.kind == "timeout"
    assert "timed out" in str(caught.value)
    assert len(site.requests_to(PAGE)) == 2  # one read retry
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/decisions/education/school-transport/22-004-404", 404),
        ("/decisions/transport-and-highways/highway-repair-and-maintenance/22-004-410", 410),
    ],
)
def test_dead_links_are_an_outcome(site: FakeSite, path: str, status: int) -> None:
    with make_client() as client:
        result = client.get(site.url(path))
    assert (result.outcome, result.status) == ("dead", status)


def test_robots_disallowed_url_is_not_requested(site: FakeSite) -> None:
    with make_client() as client:
        assert client.allowed(site.url(PAGE))
        result = client.get(site.url(DISALLOWED))
        assert (result.outcome, result.status) == ("disallowed", None)
        client.get(site.url(PAGE))
    assert site.requests_to(DISALLOWED) == []
    assert len(site.requests_to("/robots.txt")) == 1  # fetched once per origin


def test_robots_for_a_named_agent(site: FakeSite) -> None:
    with make_client(user_agent="badbot/2.0") as client:
        assert client.get(site.url(PAGE)).outcome == "disallowed"
    assert site.requests_to(PAGE) == []


def test_unreachable_robots_disallows_everything(site: FakeSite) -> None:
    site.robots_status = 503
    with make_client(max_retries=1) as client:
        assert client.get(site.url(PAGE)).outcome == "disallowed"
    assert site.requests_to(PAGE) == []


def test_missing_robots_allows_everything(site: FakeSite) -> None:
    site.robots_status = 404
    with make_client() as client:
        assert client.get(site.url(DISALLOWED)).outcome == "ok"


def test_conditional_request_gets_304(site: FakeSite) -> None:
    with make_client() as client:
        first = client.get(site.url(PAGE))
        again = client.get(site.url(PAGE), etag=first.etag, last_modified=first.last_modified)
    assert (again.outcome, again.status, again.content) == ("not_modified", 304, b"")
    assert again.etag == first.etag
    sent = site.requests_to(PAGE)[1].headers
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == first.last_modified


def test_minimum_interval_between_requests(site: FakeSite) -> None:
    with make_client(min_interval=0.2) as client:
        client.get(site.url(PAGE))  # also fetches robots.txt first
        client.get(site.url(PAGE))
    starts = [seen.at for seen in site.seen]
    assert len(starts) == 3
    assert all(later - earlier >= 0.18 for earlier, later in itertools.pairwise(starts))


def test_client_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="min_interval"):
        PoliteClient(min_interval=-1)
    with pytest.raises(ValueError, match="user_agent"):
        PoliteClient(user_agent="  ")
