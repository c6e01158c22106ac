"""The nightly flow end to end on the hand-made delivery in tests/fixtures/delivery_small.

Every expected figure below was worked out by hand from the fixture (working days counted
on a calendar with the England and Wales bank holidays), not computed by the pipeline:

  2022/23  A1 GET s1 received 03/05 closed 20/05: 13 wd, on time, ack 1 wd
           A2 ASCH s1 received 01/06 closed 15/07 (Jubilee 2-3 June): 30 wd, late, ack 3 wd
           A5 GET s1 received 01/11 closed 30/11: 21 wd, late, ack 2 wd
           A3 comment (received Saturday), A4 compliment
  2023/24  B1 GET s1 06/04 -> 05/05 (Easter, 1 May): 18 wd, on time, ack 1 wd
           B2 GET s1 22/12 -> 24/01 (Christmas, New Year): 20 wd, on time, ack 4 wd (late);
              delivered twice, the later version (closed) wins
           B3 GET s1 received Saturday 03/06, answered Monday: 1 wd
           B4 CYPE s1 Children Act, extension to 28/07, closed 27/07: 18 wd, on time via extension
           B5 ASCH s1 adult social care, agreed due 31/10, closed 10/11: 72 wd, late
           B6 GET s1 withdrawn (received, not a response); B7 GET stage 2 of B1: 19 wd, on time
           B8 CED s1 recorded under the old name "Strategic and Corporate Services", open
           B9 GET s1 received 28/03/2024, closed 03/04/2024 (2024/25): 2 wd
           B10, B11 comments; B12 compliment
  X1 (31/02/2023) and X2 (closed complaint without outcome) are quarantined.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support import SMALL_DELIVERY, Run, run_nightly

from ingest.landing import LandingError
from ingest.sources.http_export import ExportApiError

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]

GET = "Growth, Environment and Transport"
ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
CED = "Chief Executive and Deputy Chief Executive Departments"


def test_flow_completes_with_summary(small_run: Run) -> None:
    assert small_run.state.is_completed(), small_run.state.message
    summary = small_run.summary
    # cases.csv 29 rows + reasons 5 + actions 7 + payments 4 + ombudsman 3 + member conduct 3
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (51, 49, 2)
    assert summary["models_built"] == len(list((PROJECT / "models").rglob("*.sql")))
    assert summary["tests_passed"] > 100
    assert summary["dbt"]["failures"] == []
    validation = summary["validation"]
    assert validation["errors"] == [] and validation["warnings"] == []
    assert validation["passed"] == validation["expectations"] >= 50
    stored = small_run.query(
        "select count(*), count(*) filter (where success) from marts.validation_results"
    )
    assert stored == [(validation["expectations"], validation["passed"])]
    assert (small_run.reports_dir / "data_docs" / "index.html").exists()
    assert summary["failed_files"] == []
    assert summary["unmapped_org_units"] == [
        {"unit_type": "service", "recorded_name": "Recycling Centres", "cases": 1}
    ]
    # The fixture delivers every file of the published report's contract; the optional
    # additions of issue #10 are tested on tests/fixtures/delivery_extra.
    assert summary["absent_optional_entities"] == ["complainant_profile"]


def test_table1_feedback_overview(small_run: Run) -> None:
    rows = small_run.query(
        "select financial_year, measure, value, previous_year_value, difference,"
        " round(pct_difference, 4) from report.rpt_feedback_overview order by 1, 2"
    )
    assert rows == [
        ("2022/23", "comments", 1, None, None, None),
        ("2022/23", "compliments", 1, None, None, None),
        ("2022/23", "stage1_complaints", 3, None, None, None),
        ("2023/24", "comments", 2, 1, 1, 1.0),
        ("2023/24", "compliments", 1, 1, 0, 0.0),
        ("2023/24", "stage1_complaints", 8, 3, 5, 1.6667),
        ("2024/25", "comments", 0, 2, -2, -1.0),
        ("2024/25", "compliments", 0, 1, -1, -1.0),
        ("2024/25", "stage1_complaints", 0, 8, -8, -1.0),
    ]


def test_table2_stage1_by_directorate(small_run: Run) -> None:
    rows = small_run.query(
        "select financial_year, directorate, complaints_received, previous_year_received,"
        " difference, round(pct_difference, 4) from report.rpt_stage1_received_by_directorate"
        " where financial_year in ('2022/23', '2023/24') order by 1, 2"
    )
    assert rows == [
        ("2022/23", ASCH, 1, None, None, None),
        ("2022/23", CED, 0, None, None, None),
        ("2022/23", CYPE, 0, None, None, None),
        ("2022/23", GET, 2, None, None, None),
        ("2022/23", "Total", 3, None, None, None),
        ("2023/24", ASCH, 1, 1, 0, 0.0),
        ("2023/24", CED, 1, 0, 1, None),  # previous 0: no % difference
        ("2023/24", CYPE, 1, 0, 1, None),
        ("2023/24", GET, 5, 2, 3, 1.5),
        ("2023/24", "Total", 8, 3, 5, 1.6667),
    ]


def _timeliness(run: Run, year: str, directorate: str, stage: str, procedure: str) -> tuple:
    rows = run.query(
        "select closed, on_time, round(pct_on_time, 4), kpi_target, acknowledged_on_time,"
        " round(pct_acknowledged_on_time, 4), median_working_days, round(p90_working_days, 4)"
        " from report.rpt_timeliness"
        " where financial_year = ? and directorate = ? and stage = ? and procedure = ?",
        [year, directorate, stage, procedure],
    )
    assert len(rows) == 1, (year, directorate, stage, procedure)
    return rows[0]


def test_section41_timeliness(small_run: Run) -> None:
    # 2022/23: A1 13 on time, A5 21 late, A2 30 late; all acknowledged within 3 wd.
    # p90 of [13, 21, 30] = 21 + 0.8 * (30 - 21) = 28.2
    assert _timeliness(small_run, "2022/23", "Total", "all", "all") == (
        3,
        1,
        0.3333,
        0.85,
        3,
        1.0,
        21.0,
        28.2,
    )
    # 2023/24: B1 18, B2 20, B3 1, B4 18, B5 72 (late), B7 19, C1 13, C2 25 (late), C3 19;
    # B6 withdrawn is excluded. Acknowledged on time: B1, B3, B5, B7, C1, C3 (B2 and C2
    # took 4 wd, B4 none). Sorted [1, 13, 18, 18, 19, 19, 20, 25, 72]: median 19;
    # p90 at position 7.2 = 25 + 0.2 * (72 - 25) = 34.4.
    assert _timeliness(small_run, "2023/24", "Total", "all", "all") == (
        9,
        7,
        0.7778,
        0.85,
        6,
        0.6667,
        19.0,
        34.4,
    )
    # GET stage 1 corporate 2023/24: B1 18, B2 20, B3 1 -> p90 = 18 + 0.8 * 2 = 19.6
    assert _timeliness(small_run, "2023/24", GET, "1", "corporate") == (
        3,
        3,
        1.0,
        0.85,
        2,
        0.6667,
        18.0,
        19.6,
    )
    # GET all stages 2023/24: B1, B2, B3, B7, C1, C3 -> [1, 13, 18, 19, 19, 20]:
    # median 18.5, p90 at position 4.5 = 19 + 0.5 * 1 = 19.5; acknowledged: all but B2.
    assert _timeliness(small_run, "2023/24", GET, "all", "all") == (
        6,
        6,
        1.0,
        0.85,
        5,
        0.8333,
        18.5,
        19.5,
    )
    # Stage 2: B7 19, C1 13, C2 25 (late, acknowledged after 4 wd), C3 19 -> p90 at
    # position 2.7 = 19 + 0.7 * 6 = 23.2
    assert _timeliness(small_run, "2023/24", "Total", "2", "all") == (
        4,
        3,
        0.75,
        0.85,
        3,
        0.75,
        19.0,
        23.2,
    )
    # B4: 18 wd against a 10-day Children Act timescale, on time by its agreed extension.
    assert _timeliness(small_run, "2023/24", "Total", "all", "children_act") == (
        1,
        1,
        1.0,
        0.85,
        0,
        0.0,
        18.0,
        18.0,
    )
    # B5: agreed due date 31/10 missed.
    assert _timeliness(small_run, "2023/24", ASCH, "1", "adult_social_care") == (
        1,
        0,
        0.0,
        0.85,
        1,
        1.0,
        72.0,
        72.0,
    )
    # B9 received in 2023/24, answered in 2024/25.
    assert _timeliness(small_run, "2024/25", "Total", "all", "all") == (
        1,
        1,
        1.0,
        0.85,
        1,
        1.0,
        2.0,
        2.0,
    )
    years = small_run.query("select distinct financial_year from report.rpt_timeliness order by 1")
    assert years == [("2022/23",), ("2023/24",), ("2024/25",)]


def test_working_days_across_holidays_and_weekends(small_run: Run) -> None:
    rows = dict(
        small_run.query(
            "select case_ref, working_days_to_respond from marts.fct_cases"
            " where working_days_to_respond is not null"
        )
    )
    assert rows["A2"] == 30  # Platinum Jubilee bank holidays 2-3 June 2022
    assert rows["B1"] == 18  # Good Friday, Easter Monday, Early May bank holiday
    assert rows["B2"] == 20  # Christmas, Boxing Day, New Year's Day
    assert rows["B3"] == 1  # received Saturday, answered Monday
    assert rows["B9"] == 2  # Good Friday 29/03/2024, Easter Monday 01/04/2024


def test_latest_version_and_canonical_names(small_run: Run) -> None:
    rows = small_run.query(
        "select case_ref, status, versions_seen, directorate, service from marts.fct_cases"
        " where case_ref in ('B2', 'B4', 'B8', 'B1', 'B10') order by 1"
    )
    assert rows == [
        ("B1", "closed", 1, GET, "Highways and Transportation"),  # "Highways & Transportation"
        ("B10", "open", 1, GET, "Recycling Centres"),  # not in the seed: kept as delivered
        ("B2", "closed", 2, GET, "Highways and Transportation"),
        ("B4", "closed", 1, CYPE, "Education"),  # recorded as "Education Services"
        ("B8", "open", 1, CED, "Finance"),  # recorded as "Strategic and Corporate Services"
    ]
    escalation = small_run.query(
        "select escalation_type, parent_outcome from marts.fct_cases where case_ref = 'B7'"
    )
    assert escalation == [("escalated", "partly_upheld")]


def test_bad_rows_are_quarantined_and_counted(small_run: Run) -> None:
    rejected = small_run.query(
        "select source_file, row_number, rule, details, raw_values from audit.rejected_rows"
        " order by row_number"
    )
    assert [(r[0], r[1], r[2]) for r in rejected] == [
        ("cases.csv", 20, "invalid_received_date"),  # line 20 of the file
        ("cases.csv", 21, "closed_complaint_without_outcome"),
    ]
    assert "31/02/2023" in rejected[0][3]
    assert '"case_ref":"X1"' in rejected[0][4]
    stats = small_run.query(
        "select source_file, entity, status, rows_read, rows_accepted, rows_rejected, is_balanced"
        " from audit.ingest_file_stats order by source_file"
    )
    assert stats == [
        ("case_actions.csv", "case_actions", "loaded", 7, 7, 0, True),
        ("case_payments.csv", "case_payments", "loaded", 4, 4, 0, True),
        ("case_reasons.csv", "case_reasons", "loaded", 5, 5, 0, True),
        ("cases.csv", "cases", "loaded", 29, 27, 2, True),
        ("member_conduct_complaints.csv", "member_conduct_complaints", "loaded", 3, 3, 0, True),
        ("ombudsman_cases.csv", "ombudsman_cases", "loaded", 3, 3, 0, True),
    ]
    cases = small_run.query("select count(*) from marts.fct_cases")
    assert cases == [(26,)]  # 27 accepted rows, B2 twice


def test_publish_writes_reports(small_run: Run) -> None:
    names = sorted(p.name for p in small_run.reports_dir.iterdir() if p.is_file())
    marts = sorted(f"{p.stem}.csv" for p in (PROJECT / "models/marts/report").glob("rpt_*.sql"))
    annual_report = ["annual_report_2022-23.html", "annual_report_2022-23.xlsx"]
    assert names == sorted([*annual_report, *marts, "run_summary.json"])
    assert len(marts) >= 25
    docs = (small_run.reports_dir / "dbt_docs" / "index.html").read_text(encoding="utf-8")
    assert "rpt_feedback_overview" in docs and "annual_customer_feedback_report" in docs
    with (small_run.reports_dir / "rpt_feedback_overview.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    stage1 = {(r["financial_year"], r["measure"]): r["value"] for r in rows}
    assert stage1[("2023/24", "stage1_complaints")] == "8"
    assert stage1[("2022/23", "stage1_complaints")] == "3"


def test_redelivery_is_a_no_op_and_a_newer_version_wins(small_run: Run, tmp_path: Path) -> None:
    root = tmp_path / "again"
    shutil.copytree(small_run.landing_dir, root / "landing")
    first = run_nightly(root, SMALL_DELIVERY)
    assert first.state.is_completed()
    assert first.summary["landing"]["delivery_id"] is None  # every file already held
    assert first.summary["rows_read"] == 0
    before = first.query("select * from report.rpt_timeliness order by all")
    assert before == small_run.query("select * from report.rpt_timeliness order by all")

    update = tmp_path / "update"
    update.mkdir()
    header = (SMALL_DELIVERY / "cases.csv").read_text().splitlines()[0]
    (update / "cases_update.csv").write_text(
        header + "\n"
        "B8,,complaint,1,corporate,Strategic and Corporate Services,Finance,phone,2023-10-02,"
        "2023-10-03,,,2023-10-30,closed,upheld,Staff conduct,,,2023-10-30 09:00:00\n"
    )
    second = run_nightly(root, update)
    assert second.state.is_completed()
    assert second.query(
        "select status, versions_seen from marts.fct_cases where case_ref='B8'"
    ) == [("closed", 2)]
    # B8: 02/10 -> 30/10/2023 = 20 wd, on time: 2023/24 now has 10 responses, 8 on time.
    assert _timeliness(second, "2023/24", "Total", "all", "all")[:2] == (10, 8)


def test_unreadable_file_fails_the_run_but_not_the_other_files(
    prefect_harness: None, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    (drop / "case_actions.csv").write_text("case_ref;action\nB1;Formal apology\n")
    run = run_nightly(tmp_path, drop)
    assert run.state.is_failed()
    assert "case_actions.csv" in run.state.message
    assert "comma-separated" in run.state.message
    summary = run.summary
    assert summary["rows_accepted"] == 42  # the other files (49 rows less 7 actions) were built
    assert run.query("select count(*) from report.rpt_feedback_overview") == [(9,)]
    assert run.query(
        "select status from audit.ingest_file_stats where source_file = 'case_actions.csv'"
    ) == [("failed",)]


def test_nightly_pulls_from_the_http_export_api(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export API path end to end, against a real HTTP server on 127.0.0.1."""
    files = {p.name: p.read_bytes() for p in sorted(SMALL_DELIVERY.iterdir())}
    seen: list[tuple[str, str | None]] = []

    class ExportApi(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != "Bearer s3cret":
                self.send_response(401)
                self.end_headers()
                return
            url = urlsplit(self.path)
            if url.path == "/exports":
                listing = [{"name": n, "url": f"/files/{n}"} for n in files]
                body = json.dumps({"files": listing, "next_page": None}).encode()
            else:
                body = files[url.path.rsplit("/", 1)[1]]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), ExportApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("FEEDBACK_EXPORT_TOKEN", "s3cret")
    try:
        run = run_nightly(
            tmp_path,
            export_url=f"http://127.0.0.1:{server.server_port}",
            modified_since=dt.datetime(2022, 4, 1, tzinfo=dt.UTC),
        )
    finally:
        server.shutdown()
    assert run.state.is_completed(), run.state.message
    listing_query = parse_qs(urlsplit(seen[0][0]).query)
    assert listing_query["modified_since"] == ["2022-04-01T00:00:00+00:00"]
    assert {auth for _, auth in seen} == {"Bearer s3cret"}
    assert sorted(run.summary["landing"]["files_landed"]) == sorted(files)
    assert (run.summary["rows_read"], run.summary["rows_rejected"]) == (51, 2)
    assert run.query(
        "select value from report.rpt_feedback_overview"
        " where financial_year = '2023/24' and measure = 'stage1_complaints'"
    ) == [(8,)]
    # The token is a secret: in no file the run wrote (landing, warehouse, reports, history).
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 20
    assert not [p for p in written if b"s3cret" in p.read_bytes()]


@pytest.mark.parametrize(
    ("fault", "transient"),
    [
        (ExportApiError("HTTP 401", status=401), False),
        (ExportApiError("listing is not JSON"), False),
        (ExportApiError("timed out", transient=True), True),
        (ExportApiError("HTTP 503 after 5 retries", status=503, transient=True), True),
        (LandingError(28, "cannot land cases.csv: the disk is full"), False),
    ],
)
def test_only_transient_export_faults_are_retried(fault: Exception, transient: bool) -> None:
    from prefect.states import Failed

    from flows.nightly import land_http_export

    assert land_http_export.retry_condition_fn(land_http_export, None, Failed(data=fault)) is (
        transient
    )


def test_a_refused_export_token_fails_the_run_at_once(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 401 is not retried (neither by urllib3 nor by the Prefect task): one request, a clear
    failure, recorded in the run history, nothing built."""
    requests_seen: list[str] = []

    class RefusingApi(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests_seen.append(self.path)
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("FEEDBACK_EXPORT_TOKEN", "wrong-token")
    try:
        run = run_nightly(tmp_path, export_url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert run.state.is_failed()
    assert "refused authentication/authorisation (HTTP 401)" in run.state.message
    assert len(requests_seen) == 1, requests_seen
    assert not run.warehouse.exists()
    history = [
        json.loads(line)
        for line in (run.warehouse.parent / "run_history.jsonl").read_text().splitlines()
    ]
    assert [r["status"] for r in history] == ["failed"]
    assert history[0]["message"].startswith("Landing failed: Export API refused")
    assert "wrong-token" not in history[0]["message"]
