"""The reconciliation suites (expectations/): they pass on a warehouse built from the fixture
delivery, and each expectation family fails, naming the table and row, on a copy of that
warehouse corrupted in one specific way. Built once per module without Prefect."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from support import SMALL_DELIVERY

from expectations.checks import ERROR, WARN
from expectations.runner import (
    RESULT_COLUMNS,
    render_data_docs,
    run_suites,
    write_results,
)
from expectations.suites import SUITES


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.dbt_build import run_dbt
    from flows.settings import Settings
    from ingest.landing import land_delivery
    from ingest.mapping import load_mapping
    from ingest.run import ingest_pending

    tmp = tmp_path_factory.mktemp("expectations")
    landing_dir = tmp / "landing"
    land_delivery(SMALL_DELIVERY, landing_dir, "test")
    ingest_pending(landing_dir, load_mapping())
    settings = Settings(landing_dir=landing_dir, warehouse=tmp / "w.duckdb", reports_dir=tmp / "r")
    paths = ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    # dbt's data tests run in the end-to-end tests; these tests need the relations.
    skip_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    summary = run_dbt(settings, "build", [*paths, *skip_tests])
    assert summary.success, summary.failures
    return settings.warehouse


@pytest.fixture(scope="module")
def clean_report(warehouse: Path):
    return run_suites(warehouse, "clean")


def corrupted_copy(warehouse: Path, tmp_path: Path, statements: list[str]) -> Path:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


# --- the suites themselves -------------------------------------------------------------


def test_suites_are_named_and_every_expectation_has_a_severity() -> None:
    assert list(SUITES) == ["row_conservation", "totals", "balance", "cross_table", "ombudsman"]
    names = [check.name for checks in SUITES.values() for check in checks]
    assert len(names) == len(set(names)), "expectation names must be unique across suites"
    for checks in SUITES.values():
        for check in checks:
            assert check.severity in (ERROR, WARN), check.name
            assert check.description.strip(), check.name


def test_every_suite_passes_on_the_fixture_warehouse(clean_report) -> None:
    failed = [
        f"{r.suite}.{r.expectation}: {r.details}" for r in clean_report.results if not r.success
    ]
    assert not failed, "\n".join(failed)
    assert clean_report.success and not clean_report.errors and not clean_report.warnings
    assert {r.suite for r in clean_report.results} == set(SUITES)
    assert len(clean_report.results) == sum(len(c) for c in SUITES.values())
    # Every check compared something (an empty frame would pass vacuously) -- except the
    # Ombudsman suite: this warehouse has no LGSCO data (test_lgsco_pipeline runs it on one).
    assert all(
        "all 0 row(s)" not in r.observed_value
        for r in clean_report.results
        if r.suite != "ombudsman"
    )


def test_unknown_suite_and_missing_warehouse_are_refused(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown suite"):
        run_suites(warehouse, "x", ["no_such_suite"])
    with pytest.raises(FileNotFoundError):
        run_suites(tmp_path / "absent.duckdb", "x")


# One corruption per expectation family: (statements, suite, expectation that must fail,
# text its details must contain).
CORRUPTIONS = {
    "total_row_broken": (
        [
            "update report.rpt_stage1_received_by_directorate"
            " set complaints_received = complaints_received + 1"
            " where directorate = 'Total' and financial_year = '2023/24'"
        ],
        "totals",
        "t2_total_is_sum_of_directorates",
        "report.rpt_stage1_received_by_directorate 2023/24 directorate=Total:"
        " complaints_received: observed 9, expected 8",
    ),
    "cube_rollup_broken": (
        [
            "update report.rpt_closed_by_directorate_type set cases_closed = cases_closed + 1"
            " where directorate = 'Total' and feedback_type = 'comment'"
            " and financial_year = '2023/24'"
        ],
        "totals",
        "t4_totals_are_sums_at_every_level",
        "2023/24 directorate=Total feedback_type=comment: cases_closed: observed 2, expected 1",
    ),
    "timeliness_rollup_broken": (
        [
            "update report.rpt_timeliness set on_time = on_time + 1 where directorate = 'Total'"
            " and stage = 'all' and procedure = 'all' and financial_year = '2023/24'"
        ],
        "totals",
        "timeliness_rollups_are_sums_at_every_level",
        "report.rpt_timeliness 2023/24 directorate=Total stage=all procedure=all: on_time",
    ),
    "fct_cases_row_dropped": (
        ["delete from marts.fct_cases where case_ref = 'B3'"],
        "row_conservation",
        "fct_cases_holds_every_staged_case_once",
        "marts.fct_cases case_ref B3: staged but missing: observed 0, expected 1",
    ),
    "case_duplicated": (
        ["insert into marts.fct_cases select * from marts.fct_cases where case_ref = 'B1'"],
        "row_conservation",
        "fct_cases_case_ref_unique",
        "marts.fct_cases case_ref B1: rows: observed 2, expected 1",
    ),
    "ingest_count_altered": (
        ["update audit.ingest_file_stats set rows_rejected = 1 where entity = 'cases'"],
        "row_conservation",
        "ingest_rows_read_equal_accepted_plus_quarantined",
        "file cases.csv (cases): rows read vs accepted + rejected: observed 29, expected 28",
    ),
    "quarantine_row_lost": (
        ["delete from audit.rejected_rows where row_number = 20"],
        "row_conservation",
        "quarantined_rows_are_in_rejected_rows",
        "file cases.csv (cases): observed 1, expected 2",
    ),
    "reason_row_lost": (
        ["delete from marts.fct_case_reasons where case_ref = 'B1' and reason = 'Communications'"],
        "row_conservation",
        "staged_reasons_reach_fct_case_reasons",
        "marts.fct_case_reasons case_ref B1: reason rows: observed 1, expected 2",
    ),
    "outcome_changed_in_t5": (
        [
            "update report.rpt_stage1_outcomes set complaints_closed = complaints_closed - 1"
            " where financial_year = '2023/24' and outcome = 'upheld'",
            "update report.rpt_stage1_outcomes set complaints_closed = complaints_closed + 1"
            " where financial_year = '2023/24' and outcome = 'not_upheld'",
        ],
        "balance",
        "closed_complaints_are_outcomes_plus_withdrawn",
        "report.rpt_stage1_outcomes 2023/24 upheld: observed 0, expected 1",
    ),
    "difference_shifted": (
        [
            "update report.rpt_feedback_overview set difference = difference + 1"
            " where financial_year = '2023/24' and measure = 'comments'"
        ],
        "totals",
        "yoy_difference_is_value_minus_previous",
        "report.rpt_feedback_overview 2023/24 comments: difference: observed 2, expected 1",
    ),
    "share_broken": (
        [
            "update report.rpt_stage1_outcomes set share_of_closed = share_of_closed + 0.1"
            " where financial_year = '2023/24' and outcome = 'upheld'"
        ],
        "totals",
        "t5_shares_sum_to_one",
        "report.rpt_stage1_outcomes 2023/24: sum of share_of_closed: observed 1.1, expected 1",
    ),
    "backlog_balance_broken": (
        # B3 (GET, stage 1) keeps its closed_date but is no longer counted closed.
        ["update marts.fct_cases set is_closed = false where case_ref = 'B3'"],
        "balance",
        "open_plus_received_minus_closed_is_open_at_year_end",
        "marts.fct_cases complaints 2023/24 Growth, Environment and Transport stage 1:"
        " open at start 0 + received 5 - closed 3 vs open at end: observed 1, expected 2",
    ),
    "backlog_mart_disagrees_with_facts": (
        [
            "update report.rpt_backlog set open_complaints = open_complaints + 1"
            " where month_end = date '2023-12-31' and stage = 2"
        ],
        "balance",
        "backlog_month_ends_match_facts",
        "report.rpt_backlog 2023-12-31 Chief Executive and Deputy Chief Executive Departments"
        " stage 2: open_complaints: observed 2, expected 1",
    ),
    "late_with_reason_exceeds_late": (
        [
            "update report.rpt_delay_reasons set late_complaints = 5"
            " where financial_year = '2023/24' and delay_reason = 'Workload'"
        ],
        "balance",
        "t11_late_with_a_reason_at_most_late_responses",
        "report.rpt_delay_reasons 2023/24: late with a delay reason vs late responses"
        " (rpt_timeliness): observed 6, expected 2",
    ),
    "t1_and_t2_disagree": (
        [
            "update report.rpt_feedback_overview set value = value + 1"
            " where measure = 'stage1_complaints' and financial_year = '2023/24'"
        ],
        "cross_table",
        "t1_stage1_complaints_equal_t2_total",
        "2023/24: T1 stage1_complaints vs T2 Total: observed 9, expected 8",
    ),
    "compensation_6_1_and_t14_disagree": (
        # T14 stays consistent with itself (part and Total both move): only 6.1 vs T14 fails.
        [
            "update report.rpt_compensation_reasons set amount_gbp = amount_gbp + 10"
            " where financial_year = '2023/24' and payment_reason in ('Goodwill', 'Total')"
        ],
        "cross_table",
        "compensation_6_1_total_equals_t14_total",
        "2023/24: 6.1 Total amount_gbp vs T14 Total amount_gbp: observed 1355.75, expected 1365.75",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corruption_fails_the_right_expectation(
    case: str, warehouse: Path, tmp_path: Path
) -> None:
    statements, suite, expectation, message = CORRUPTIONS[case]
    copy = corrupted_copy(warehouse, tmp_path, statements)
    report = run_suites(copy, case, [suite])
    result = report.result(expectation)
    assert not result.success, f"{expectation} passed on {case}"
    assert "disagree" in result.observed_value
    assert message in result.details, result.details
    assert result in (report.errors if result.severity == ERROR else report.warnings)
    if case == "compensation_6_1_and_t14_disagree":
        totals = run_suites(copy, case, ["totals"])  # T14 itself still adds up
        assert totals.result("t14_total_is_sum_of_reasons").success
    if case == "backlog_mart_disagrees_with_facts":
        assert not report.errors and report.warnings == [result]  # a warning, not an error


def test_orphan_child_rows_are_a_warning(warehouse: Path, tmp_path: Path) -> None:
    copy = corrupted_copy(
        warehouse,
        tmp_path,
        [
            "update marts.fct_case_actions set is_case_found = false where case_ref = 'C1'",
        ],
    )
    report = run_suites(copy, "orphans", ["row_conservation"])
    result = report.result("child_rows_have_a_known_case")
    assert result.severity == WARN and not result.success
    assert result in report.warnings and report.success  # warnings do not fail the run
    assert "marts.fct_case_actions: rows whose case_ref is not in fct_cases (C1)" in (
        result.details
    )


def test_a_missing_table_fails_its_expectations_with_the_error(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = corrupted_copy(warehouse, tmp_path, ["drop table report.rpt_complaint_reasons"])
    report = run_suites(copy, "dropped", ["totals"])
    for name in ("t8_total_is_sum_of_reasons", "t8_shares_sum_to_one"):
        result = report.result(name)
        assert not result.success and result.observed_value == "query failed"
        assert "rpt_complaint_reasons" in result.details
    assert report.result("t2_total_is_sum_of_directorates").success


# --- storing and rendering ---------------------------------------------------------------


def test_write_results_appends_to_marts_validation_results(
    warehouse: Path, clean_report, tmp_path: Path
) -> None:
    copy = corrupted_copy(warehouse, tmp_path, [])
    write_results(copy, clean_report)
    write_results(copy, clean_report)  # appends; the table exists the second time
    with duckdb.connect(str(copy), read_only=True) as con:
        columns = [r[0] for r in con.execute("describe marts.validation_results").fetchall()]
        rows = con.execute(
            "select run_id, suite, expectation, severity, success, observed_value, details,"
            " validated_at from marts.validation_results order by suite, expectation"
        ).fetchall()
    assert tuple(columns) == RESULT_COLUMNS
    assert len(rows) == 2 * len(clean_report.results)
    run_id, suite, _, severity, success, observed, details, validated_at = rows[0]
    assert run_id == "clean" and suite in SUITES and severity in (ERROR, WARN)
    assert success is True and observed.startswith("all ") and details
    assert validated_at == clean_report.validated_at


def test_report_as_dict_is_json(clean_report) -> None:
    data = json.loads(json.dumps(clean_report.as_dict()))
    assert data["success"] is True and data["errors"] == [] and data["warnings"] == []
    assert data["expectations"] == len(clean_report.results)
    assert {"suite", "expectation", "severity", "success", "observed_value", "details"} <= set(
        data["results"][0]
    )


def test_render_data_docs_writes_great_expectations_pages(clean_report, tmp_path: Path) -> None:
    index = render_data_docs(clean_report, tmp_path / "reports")
    assert index == tmp_path / "reports" / "data_docs" / "index.html"
    pages = list((tmp_path / "reports" / "data_docs" / "validations").rglob("*.html"))
    assert {p.stem for p in pages} == set(SUITES)
    html = index.read_text(encoding="utf-8")
    for suite in SUITES:
        assert suite in html
    totals = next(p for p in pages if p.stem == "totals").read_text(encoding="utf-8")
    assert "t2_total_is_sum_of_directorates" in totals or "Table 2" in totals


# --- the Great Expectations + DuckDB workaround ------------------------------------------


def test_gx_sql_engine_still_returns_nothing_on_duckdb(tmp_path: Path) -> None:
    """GX 1.24's SQL engine closes DuckDB's connection before fetching (upstream issues
    great_expectations#10738, #11579; PR #12084 proposes a native DuckDB engine), so the
    suites validate DuckDB query results as pandas frames (expectations/gx.py).

    When this test fails, GX validates DuckDB tables directly: the workaround can go.
    """
    pytest.importorskip("duckdb_engine", reason="duckdb-engine (GX's DuckDB dialect) missing")
    from expectations.gx import ephemeral_context

    database = tmp_path / "three_rows.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select * from range(3) as r(x)")
    context = ephemeral_context()
    datasource = context.data_sources.add_sql("duckdb", connection_string=f"duckdb:///{database}")
    batch = (
        datasource.add_table_asset("t", table_name="t")
        .add_batch_definition_whole_table("whole table")
        .get_batch()
    )
    import great_expectations as gx

    result = batch.validate(gx.expectations.ExpectTableRowCountToEqual(value=3))
    assert not result.success, (
        "Great Expectations' SQL engine now validates DuckDB tables: the pandas workaround in"
        " expectations/gx.py and expectations/runner.py is no longer needed (upstream"
        " great_expectations#10738/#11579 fixed). Consider validating the warehouse directly."
    )
