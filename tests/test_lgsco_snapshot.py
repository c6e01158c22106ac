"""The demo's snapshot of the LGSCO site (demo/lgsco_snapshot): it serves, the scrapers read
its statistics and harvest its decisions without failures, and it is deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.lgsco_snapshot import serve_snapshot, statistics_files, statistics_urls
from demo.lgsco_snapshot.decisions import build_snapshot, entries_as_dicts
from demo.lgsco_snapshot.run import feedback_args
from demo.lgsco_snapshot.statistics import write_statistics
from scrapers.lgsco import (
    HarvestConfig,
    HarvestResult,
    PoliteClient,
    StatRecord,
    fetch_annual_stats,
    harvest_decisions,
    read_annual_stats_folder,
)

ROOT = Path(__file__).resolve().parents[1]
KENT = "kent county"


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from demo.generator import generate

    out = tmp_path_factory.mktemp("snapshot") / "delivery"
    generate(out)
    return out


@pytest.fixture(scope="module")
def site(delivery: Path) -> Iterator[str]:
    with serve_snapshot(delivery) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def harvest(site: str, tmp_path_factory: pytest.TempPathFactory) -> HarvestResult:
    tmp = tmp_path_factory.mktemp("harvest")
    config = HarvestConfig(
        organisation="Kent County Council",
        state_dir=tmp / "state",
        raw_dir=tmp / "raw",
        since=dt.date(2021, 4, 1),
        base_url=site,
    )
    return harvest_decisions(PoliteClient(min_interval=0), config, today=dt.date(2024, 10, 1))


def _value(records: list[StatRecord], year: str, measure: str, key: str = KENT) -> float:
    found = [
        r.value
        for r in records
        if r.year == year and r.measure == measure and r.organisation_key == key
    ]
    assert len(set(found)) == 1, (year, measure, key, found)
    return found[0]


def _mean_rate(records: list[StatRecord], year: str, kind: str | None, num: str, den: str):
    by_org: dict[str, dict[str, float]] = defaultdict(dict)
    for r in records:
        if r.year == year and (kind is None or r.authority_type == kind) and r.subject_area is None:
            by_org[r.organisation_key][r.measure] = r.value
    rates = []
    for values in by_org.values():
        denominator = (
            values.get(den, 0)
            if den != "investigated"
            else (values.get("upheld", 0) + values.get("not_upheld", 0))
        )
        if denominator and num in values:
            rates.append(values[num] / denominator)
    return round(100 * sum(rates) / len(rates))


def test_the_snapshot_serves_robots_statistics_and_listings(site: str) -> None:
    robots = requests.get(f"{site}/robots.txt", timeout=10)
    assert robots.status_code == 200 and "User-agent: *" in robots.text
    for url in statistics_urls(site):
        answer = requests.get(url, timeout=10)
        assert answer.status_code == 200, url
        assert answer.headers["Content-Type"].startswith("text/csv")
    assert len(statistics_urls(site)) == 9
    listing = requests.get(
        f"{site}/Decisions/SearchResults?aname=Kent+County+Council&dc=c+nu+u+"
        "&fd=2023-04-01&td=2024-03-31&page=1&sortOrder=descending",
        timeout=10,
    )
    assert listing.status_code == 200 and "Your search has" in listing.text
    assert requests.get(f"{site}/statistics/nothing.csv", timeout=10).status_code == 404
    assert requests.get(f"{site}/Decisions/SearchResults?aname=x", timeout=10).status_code == 400


def test_the_scraper_reads_the_statistics_with_the_published_figures(
    site: str, tmp_path: Path
) -> None:
    client = PoliteClient(min_interval=0)
    records = [
        r for url in statistics_urls(site) for r in fetch_annual_stats(client, url, tmp_path)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(statistics_files())
    assert {r.year for r in records} == {"2021/22", "2022/23", "2023/24"}
    # Kent, as published (Tables 16 and 17, section 9, the LGSCO's statistics page)
    assert _value(records, "2023/24", "received_total") == 304
    assert _value(records, "2022/23", "received_total") == 243
    assert _value(records, "2023/24", "decided_total") == 304
    assert _value(records, "2022/23", "decided_total") == 229
    assert _value(records, "2021/22", "decided_total") == 182
    assert _value(records, "2023/24", "upheld") == 76
    assert _value(records, "2023/24", "referred_back_for_local_resolution") == 91
    assert _value(records, "2023/24", "upheld_per_100k") == 4.8
    assert _value(records, "2022/23", "upheld_per_100k") == 3.4
    assert _value(records, "2023/24", "compliance_outcomes") == 63
    assert _value(records, "2022/23", "compliance_satisfied") == 51
    assert _value(records, "2023/24", "satisfactory_remedy") == 2
    assert _value(records, "2022/23", "satisfactory_remedy") == 4
    # the averages the report quotes
    assert _mean_rate(records, "2022/23", "County", "upheld", "investigated") == 80
    assert _mean_rate(records, "2023/24", "County", "upheld", "investigated") == 85
    assert _mean_rate(records, "2022/23", None, "upheld", "investigated") == 84
    assert _mean_rate(records, "2023/24", None, "upheld", "investigated") == 84
    assert _mean_rate(records, "2023/24", "County", "satisfactory_remedy", "upheld") == 7
    county_per_100k = [
        r.value
        for r in records
        if r.year == "2023/24" and r.measure == "upheld_per_100k" and r.authority_type == "County"
    ]
    assert round(sum(county_per_100k) / len(county_per_100k), 1) == 4.5
    # the folder form gives the same records
    write_statistics(tmp_path / "folder")
    from_folder = read_annual_stats_folder(tmp_path / "folder")
    assert sorted(map(str, from_folder)) == sorted(map(str, records))


def test_the_scraper_harvests_the_decisions_without_failures(
    harvest: HarvestResult, delivery: Path
) -> None:
    assert harvest.complete and not harvest.failures
    decisions = harvest.decisions
    assert len(decisions) > 300
    assert {d.organisation_key for d in decisions} == {KENT}
    assert {d.decision for d in decisions} == {
        "upheld",
        "not_upheld",
        "closed_after_initial_enquiries",
    }
    assert any(d.satisfactory_remedy for d in decisions)
    assert any(d.remedy_amounts for d in decisions)
    assert all(d.decision_date >= dt.date(2021, 4, 1) for d in decisions)
    assert not any(d.other_references for d in decisions)  # every statement's text differs
    published = {
        e["reference"]
        for e in entries_as_dicts(build_snapshot(delivery))
        if "2021-04-01" <= e["date"] <= "2024-10-01"
    }
    assert {d.reference for d in decisions} == published


def test_the_snapshot_is_deterministic(delivery: Path) -> None:
    digest = hashlib.sha256(b"".join(statistics_files().values())).hexdigest()
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import hashlib; from demo.lgsco_snapshot import statistics_files;"
            " print(hashlib.sha256(b''.join(statistics_files().values())).hexdigest())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == digest
    assert entries_as_dicts(build_snapshot(delivery)) == entries_as_dicts(build_snapshot(delivery))


def test_the_runner_passes_the_snapshot_to_feedback_run(delivery: Path) -> None:
    args = feedback_args(delivery, "http://127.0.0.1:1", ["--warehouse", "w.duckdb"])
    assert args[:3] == ["run", "--source-dir", str(delivery)]
    assert args[args.index("--lgsco-base-url") + 1] == "http://127.0.0.1:1"
    assert args.count("--lgsco-stats") == 9
    assert args[-2:] == ["--warehouse", "w.duckdb"]
