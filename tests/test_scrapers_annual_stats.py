"""Reading the LGSCO's all-authorities annual statistics files (CSV and XLSX)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.lgsco_site.annual_stats_xlsx import write_decided_2024_25, write_remedy_2023_24
from fixtures.lgsco_site.fake_site import FakeSite, serve_site
from openpyxl import Workbook

from scrapers.lgsco.annual_stats import (
    SUBJECT_AREAS,
    AnnualStatsError,
    StatRecord,
    fetch_annual_stats,
    normalise_year,
    read_annual_stats,
    read_annual_stats_folder,
)
from scrapers.lgsco.client import PoliteClient

STATS = Path(__file__).parent / "fixtures" / "lgsco_site" / "annual_stats"
BAD = Path(__file__).parent / "fixtures" / "lgsco_site" / "annual_stats_bad"


def values(records: list[StatRecord], key: str = "kent county") -> dict[tuple, int | float]:
    """(year, measure, subject area) -> value for one organisation."""
    return {
        (r.year, r.measure, r.subject_area): r.value for r in records if r.organisation_key == key
    }


def test_received_by_subject_area_csv_with_offset_header() -> None:
    records = read_annual_stats(STATS / "1-Complaints-Received-23-24.csv")
    kent = values(records)
    assert kent == {
        ("2023/24", "received", "Adult care services"): 75,
        ("2023/24", "received", "Benefits and tax"): 0,
        ("2023/24", "received", "Corporate and other services"): 6,
        ("2023/24", "received", "Education and children's services"): 186,
        ("2023/24", "received", "Environmental services"): 10,
        ("2023/24", "received", "Highways and transport"): 22,
        ("2023/24", "received", "Housing"): 1,
        ("2023/24", "received", "Planning and development"): 1,
        ("2023/24", "received", "Other"): 3,
        ("2023/24", "received_total", None): 304,
    }
    assert {r.subject_area for r in records} == {*SUBJECT_AREAS, None}
    assert len({r.organisation for r in records}) == 5  # the note rows below are not authorities
    kent_record = next(r for r in records if r.organisation_key == "kent county")
    assert kent_record.organisation == "Kent County Council"
    assert kent_record.authority_type == "County"
    assert kent_record.source_file == "1-Complaints-Received-23-24.csv"
    assert all(isinstance(r.value, int) for r in records)


def test_decisions_old_scheme_csv_with_super_header() -> None:
    kent = values(read_annual_stats(STATS / "2-Complaints-Decided-23-24.csv"))
    assert kent == {
        ("2023/24", "upheld", None): 76,
        ("2023/24", "not_upheld", None): 18,
        ("2023/24", "advice_given", None): 2,
        ("2023/24", "closed_after_initial_enquiries", None): 101,
        ("2023/24", "incomplete_or_invalid", None): 16,
        ("2023/24", "referred_back_for_local_resolution", None): 91,
        ("2023/24", "decided_total", None): 304,
        ("2023/24", "uphold_rate_pct", None): 81.0,
    }


def test_year_column_and_name_spelled_with_and() -> None:
    records = read_annual_stats(STATS / "2-Complaints-Decided-22-23.csv")
    kent = values(records)
    assert kent[("2022/23", "upheld", None)] == 53
    assert kent[("2022/23", "decided_total", None)] == 229
    assert kent[("2021/22", "upheld", None)] == 65
    assert kent[("2021/22", "not_upheld", None)] == 30
    brighton = {r.organisation for r in records if r.organisation_key == "brighton and hove"}
    assert brighton == {"Brighton and Hove City Council"}
    assert all(r.authority_type is None for r in records)


def test_decisions_new_scheme_xlsx(tmp_path: Path) -> None:
    records = read_annual_stats(write_decided_2024_25(tmp_path))
    assert values(records) == {
        ("2024/25", "complaints_dealt_with", None): 291,
        ("2024/25", "not_for_us", None): 87,
        ("2024/25", "assessed_and_closed", None): 128,
        ("2024/25", "investigated", None): 76,
        ("2024/25", "upheld", None): 63,
        ("2024/25", "uphold_rate_pct", None): 83.0,
        ("2024/25", "similar_uphold_rate_pct", None): 89.0,
        ("2024/25", "upheld_per_100k", None): 3.9,
    }
    # the notes sheet is skipped; "-" and empty cells give no record
    assert {r.source_file for r in records} == {"2-Complaints-Decided-24-25.xlsx[Decisions]"}
    tunbridge = values(records, "tunbridge wells borough")
    assert ("2024/25", "upheld", None) not in tunbridge
    assert ("2024/25", "uphold_rate_pct", None) not in tunbridge
    assert tunbridge[("2024/25", "investigated", None)] == 5
    assert values(records, "brighton and hove")[("2024/25", "uphold_rate_pct", None)] == 83.33


def test_remedy_and_compliance_xlsx_year_from_file_name(tmp_path: Path) -> None:
    records = read_annual_stats(write_remedy_2023_24(tmp_path))
    assert values(records) == {
        ("2023/24", "upheld", None): 76,
        ("2023/24", "satisfactory_remedy", None): 2,
        ("2023/24", "satisfactory_remedy_pct", None): 3.0,
        ("2023/24", "compliance_satisfied", None): 62,
        ("2023/24", "compliance_outcomes", None): 63,
        ("2023/24", "compliance_rate_pct", None): 98.0,
    }
    assert {r.authority_type for r in records} == {"County", "Unitary"}


def test_explicit_year_overrides_title(tmp_path: Path) -> None:
    records = read_annual_stats(write_remedy_2023_24(tmp_path), year="2022-2023")
    assert {r.year for r in records} == {"2022/23"}
    with pytest.raises(AnnualStatsError, match="not a financial year"):
        read_annual_stats(write_remedy_2023_24(tmp_path), year="last year")


def test_folder_reads_every_file_and_keys_match_across_years(tmp_path: Path) -> None:
    for csv_file in STATS.glob("*.csv"):
        shutil.copy(csv_file, tmp_path)
    write_decided_2024_25(tmp_path)
    write_remedy_2023_24(tmp_path)
    records = read_annual_stats_folder(tmp_path)
    kent = values(records)
    assert kent[("2021/22", "upheld", None)] == 65
    assert kent[("2022/23", "upheld", None)] == 53
    assert kent[("2023/24", "upheld", None)] == 76  # decisions file and remedy file agree
    assert kent[("2024/25", "upheld", None)] == 63
    brighton_names = {r.organisation for r in records if r.organisation_key == "brighton and hove"}
    assert brighton_names == {"Brighton & Hove City Council", "Brighton and Hove City Council"}
    assert {r.year for r in records} == {"2021/22", "2022/23", "2023/24", "2024/25"}


def test_file_without_header_names_the_file() -> None:
    bad = BAD / "not-statistics.csv"
    with pytest.raises(AnnualStatsError, match="no header row found") as caught:
        read_annual_stats(bad)
    assert str(bad) in str(caught.value)


def test_unreadable_and_unsupported_files_name_the_file(tmp_path: Path) -> None:
    fake_xlsx = tmp_path / "2-Complaints-Decided-24-25.xlsx"
    fake_xlsx.write_text("this is not a workbook")
    with pytest.raises(AnnualStatsError, match="not a readable XLSX workbook") as caught:
        read_annual_stats(fake_xlsx)
    assert str(fake_xlsx) in str(caught.value)
    pdf = tmp_path / "annual-letter.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(AnnualStatsError, match="unsupported file type"):
        read_annual_stats(pdf)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AnnualStatsError, match="no CSV or XLSX files") as caught:
        read_annual_stats_folder(empty)
    assert str(empty) in str(caught.value)


def test_workbook_without_header_on_any_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["Organisation", "Comments"])
    workbook.active.append(["Kent County Council", "no measures here"])
    path = tmp_path / "3-Remedy-and-Compliance-23-24.xlsx"
    workbook.save(path)
    with pytest.raises(AnnualStatsError, match="no header row found") as caught:
        read_annual_stats(path)
    assert path.name in str(caught.value)


def test_year_unknown_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text("Organisation,Upheld,Not upheld\nKent County Council,1,2\n")
    with pytest.raises(AnnualStatsError, match="cannot tell the year") as caught:
        read_annual_stats(path)
    assert "decisions.csv" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2023-24", "2023/24"),
        ("2023/24", "2023/24"),
        ("2023-2024", "2023/24"),
        ("Complaints decided 2024\u201325", "2024/25"),
        ("1 April 2023 to 31 March 2024", "2023/24"),
        ("1999-00", None),
        ("2023-25", None),
        ("no year here", None),
    ],
)
def test_normalise_year(text: str, year: str | None) -> None:
    assert normalise_year(text) == year


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with serve_site() as running:
        yield running


def test_download_through_the_polite_client(site: FakeSite, tmp_path: Path) -> None:
    url = site.url("/annual-stats/2-Complaints-Decided-23-24.csv")
    with PoliteClient(user_agent="feedback-pipeline-tests/1.0", min_interval=0.0) as client:
        records = fetch_annual_stats(client, url, tmp_path / "downloads")
        assert values(records)[("2023/24", "upheld", None)] == 76
        assert (tmp_path / "downloads" / "2-Complaints-Decided-23-24.csv").is_file()
        with pytest.raises(AnnualStatsError, match="download failed \\(dead, HTTP 404\\)"):
            fetch_annual_stats(client, site.url("/annual-stats/missing.csv"), tmp_path)
    assert (
        site.requests_to("/annual-stats/2-Complaints-Decided-23-24.csv")[0].headers["User-Agent"]
        == "feedback-pipeline-tests/1.0"
    )
