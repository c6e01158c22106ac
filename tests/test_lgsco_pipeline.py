"""The nightly flow with the LGSCO scrape, against the fixture site served on 127.0.0.1.

The fixture site (tests/fixtures/lgsco_site) lists 31 Kent County Council decisions from
October 2022 to January 2023: 22 004 404 is a dead link (404), 22 004 410 is gone (410),
22 009 999 is in an unknown layout, robots.txt disallows 22 007 777, and 22 005 001 /
22 005 002 are one public-interest report filed under two references: 26 decisions land,
4 pages are reported. Its statistics files hold Kent's published LGSCO figures for
2021/22-2023/24 and four other authorities.

The council's log in this test (written below, expected figures by hand):
  22 001 239  ASCH upheld 09/10/2022      published: upheld 09/10/2022      -> agrees
  22 010 112  CYPE closed 03/10/2022      published: not upheld 03/10/2022  -> outcome differs
  22 011 925  ASCH upheld 28/11/2022      published: upheld 25/11/2022      -> date differs
  23 004 567  ASCH upheld 10/02/2024      not published                      -> not published
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from fixtures.lgsco_site.fake_site import serve_site
from support import SMALL_DELIVERY, Run, run_nightly

from flows.lgsco import LgscoSettings

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent / "fixtures"
STATS = FIXTURES / "lgsco_site" / "annual_stats"
ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
LOG = FIXTURES / "ombudsman_cases_lgsco_match.csv"


def _delivery(root: Path) -> Path:
    drop = root / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    shutil.copyfile(LOG, drop / "ombudsman_cases.csv")
    return drop


def _settings(base_url: str) -> LgscoSettings:
    return LgscoSettings(
        base_url=base_url,
        organisation="Kent County Council",
        since=dt.date(2022, 10, 1),
        stats=(str(STATS),),
        min_interval_s=0.0,
        task_retries=0,
    )


@pytest.fixture(scope="module")
def lgsco_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("lgsco")
    with serve_site() as site:
        return run_nightly(root, _delivery(root), lgsco=_settings(site.base_url))


def test_scrape_lands_decisions_and_reports_failures(lgsco_run: Run) -> None:
    state = lgsco_run.state
    assert state.is_completed(), state.message
    assert "4 LGSCO page(s) not harvested" in state.message  # a warning, not silently green
    scraped = lgsco_run.summary["lgsco"]
    assert scraped["decisions_scraped"] == 26
    kinds = sorted(f.split(":")[0] for f in scraped["failures"])
    assert kinds == ["dead_link", "dead_link", "robots_disallowed", "unknown_layout"]
    assert lgsco_run.query(
        "select count(*), count(*) filter (where is_this_council) from marts.fct_lgsco_decisions"
    ) == [(26, 26)]
    assert lgsco_run.query(
        "select decision, subject_area, directorate, service, decision_financial_year"
        " from marts.fct_lgsco_decisions where lgsco_ref = '22 010 215'"
    ) == [
        (
            "upheld",
            "Education and children's services",
            CYPE,
            "SEN & Disabled Children's Services",
            "2022/23",
        )
    ]
    raw = list((lgsco_run.landing_dir / "lgsco" / "raw").rglob("*.html"))
    assert len(raw) >= 26


def test_t16_received_by_category(lgsco_run: Run) -> None:
    rows = lgsco_run.query(
        "select lgsco_category, complaints_received from report.rpt_lgsco_received_by_category"
        " where financial_year = '2023/24' order by 1"
    )
    assert rows == [
        ("Adult care services", 75),
        ("Benefits and tax", 0),
        ("Corporate and other services", 6),
        ("Education and children's services", 186),
        ("Environmental services", 10),
        ("Highways and transport", 22),
        ("Housing", 1),
        ("Other", 3),
        ("Planning and development", 1),
        ("Total", 304),
    ]


def test_t17_decisions_and_table1(lgsco_run: Run) -> None:
    rows = lgsco_run.query(
        "select financial_year, decision_category, decisions, round(uphold_rate, 4)"
        " from report.rpt_lgsco_decisions order by 1, 2"
    )
    expected = {
        "2021/22": (65, 30, 0, 75, 2, 10, 182, 0.6842),  # 65 / (65 + 30)
        "2022/23": (53, 8, 7, 91, 8, 62, 229, 0.8689),  # 53 / 61
        "2023/24": (76, 18, 2, 101, 16, 91, 304, 0.8085),  # 76 / 94
    }
    order = (
        "upheld",
        "not_upheld",
        "advice_given",
        "closed_after_initial_enquiries",
        "incomplete_or_invalid",
        "referred_back_for_local_resolution",
        "Total",
    )
    got = {(year, category): (count, rate) for year, category, count, rate in rows}
    for year, values in expected.items():
        for category, count in zip(order, values[:7], strict=True):
            assert got[(year, category)] == (count, values[7]), (year, category)
    assert len(rows) == 21
    overview = lgsco_run.query(
        "select financial_year, value, previous_year_value, difference, round(pct_difference, 4)"
        " from report.rpt_feedback_overview where measure = 'lgsco_decisions' order by 1"
    )
    # 2021/22 is outside the years of the case data: Table 1 covers 2022/23 on.
    assert overview == [("2022/23", 229, None, None, None), ("2023/24", 304, 229, 75, 0.3275)]


def test_benchmark_against_similar_authorities(lgsco_run: Run) -> None:
    rows = lgsco_run.query(
        "select authority, authority_type, is_this_council, upheld, not_upheld,"
        " round(uphold_rate, 4), round(upheld_per_100k, 2), round(similar_avg_uphold_rate, 4),"
        " round(national_avg_uphold_rate, 4), rank_in_type from report.rpt_lgsco_benchmark"
        " where financial_year = '2023/24' and authority_type = 'County' order by 1"
    )
    # County: Kent 76/94, Surrey 70/81. All five: Brighton 28/34, Kent 76/94, Medway 12/16,
    # Surrey 70/81, Tunbridge Wells 2/5 -> mean 0.7292. Per 100k: Kent 76 / 1,590,000,
    # Surrey 70 / 1,214,500 (lgsco_authorities seed).
    assert rows == [
        ("Kent County Council", "County", True, 76, 18, 0.8085, 4.78, 0.8364, 0.7292, 1),
        ("Surrey County Council", "County", False, 70, 11, 0.8642, 5.76, 0.8364, 0.7292, 2),
    ]


def test_outcomes_by_service_matched_to_published(lgsco_run: Run) -> None:
    rows = lgsco_run.query(
        "select directorate, service, council_outcome, cases, matched_to_published_decision"
        " from report.rpt_lgsco_outcomes_by_service where financial_year = '2022/23'"
        " order by all"
    )
    assert rows == [
        (ASCH, ASCH, "Total", 2, 2),
        (ASCH, ASCH, "upheld", 2, 2),
        (ASCH, "Total", "Total", 2, 2),
        (ASCH, "Total", "upheld", 2, 2),
        (CYPE, "Education", "Total", 1, 1),
        (CYPE, "Education", "closed", 1, 1),
        (CYPE, "Total", "Total", 1, 1),
        (CYPE, "Total", "closed", 1, 1),
    ]


def test_log_reconciliation(lgsco_run: Run) -> None:
    rows = lgsco_run.query(
        "select lgsco_ref, issue, council_outcome, published_decision, council_decision_date,"
        " published_decision_date from report.rpt_lgsco_log_reconciliation"
        " where issue <> 'published_not_in_log' order by 1"
    )
    d = dt.date
    assert rows == [
        ("22 010 112", "outcome_differs", "closed", "not_upheld", d(2022, 10, 3), d(2022, 10, 3)),
        (
            "22 011 925",
            "decision_date_differs",
            "upheld",
            "upheld",
            d(2022, 11, 28),
            d(2022, 11, 25),
        ),
        ("23 004 567", "in_log_not_published", "upheld", None, d(2024, 2, 10), None),
    ]
    not_in_log = lgsco_run.query(
        "select count(*) from report.rpt_lgsco_log_reconciliation"
        " where issue = 'published_not_in_log'"
    )
    assert not_in_log == [(23,)]  # 26 published, 3 of them in the log


def test_a_failed_scrape_still_builds_the_council_tables(
    prefect_harness: None, tmp_path: Path
) -> None:
    with serve_site() as site:
        site.empty_shell = True  # the listing comes back without a result count
        run = run_nightly(tmp_path, _delivery(tmp_path), lgsco=_settings(site.base_url))
    assert run.state.is_failed()
    assert "LGSCO scrape failed (council tables were built)" in run.state.message
    assert "has no 'Your search has N results' count" in run.state.message
    assert run.query(
        "select value from report.rpt_feedback_overview"
        " where financial_year = '2023/24' and measure = 'stage1_complaints'"
    ) == [(8,)]


def test_ombudsman_suite(lgsco_run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from expectations import suites
    from expectations.runner import run_suites
    from expectations.suites import ombudsman

    validation = lgsco_run.summary["validation"]
    assert validation["errors"] == [] and validation["warnings"] == []
    report = run_suites(lgsco_run.warehouse, "test", ["ombudsman"])
    assert len(report.results) == 5 and report.success and not report.warnings
    # Two disagreements in 2022/23 (an outcome and a date): over a limit of 1, a warning.
    monkeypatch.setenv(ombudsman.MAX_DISAGREEMENTS_ENV, "1")
    monkeypatch.setitem(suites.SUITES, "ombudsman", importlib.reload(ombudsman).CHECKS)
    report = run_suites(lgsco_run.warehouse, "test", ["ombudsman"])
    (warning,) = report.warnings
    assert warning.expectation == "log_disagreements_within_limit"
    assert "2022/23" in warning.details


def test_an_unchanged_statistics_file_comes_from_the_result_cache(
    prefect_harness: None, tmp_path: Path
) -> None:
    from prefect import flow
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    from flows.lgsco import read_statistics_file

    @flow
    def read_twice(path: Path) -> list:
        return [read_statistics_file(path, return_state=True) for _ in range(2)]

    source = sorted(STATS.iterdir())[0]
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: tmp_path / "results"}):
        first, second = read_twice(copy)
        assert (first.name, second.name) == ("Completed", "Cached")
        assert first.result() == second.result() and len(first.result()) > 0
        copy.write_bytes(source.read_bytes().replace(b"Kent", b"Kent ", 1))  # a new edition
        (changed, _) = read_twice(copy)
        assert changed.name == "Completed"
