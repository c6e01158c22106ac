"""What leaves the pipeline for people is safe: no spreadsheet formulas from case data in
the CSV exports, no free text or personal identifiers in the report marts, and old
deliveries can be purged."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from support import Run

from flows.publish import publish_reports

HOSTILE = ['=HYPERLINK("http://x.invalid","click")', "+1+1", "-2+3", "@SUM(A1)", "\tx"]


def test_csv_exports_neutralise_spreadsheet_formulas(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema report")
        con.execute("create table report.rpt_example (directorate varchar, complaints integer)")
        con.executemany(
            "insert into report.rpt_example values (?, ?)",
            [(text, -5) for text in HOSTILE] + [("Adult Social Care and Health", 3)],
        )
    publish_reports(warehouse, tmp_path / "reports", {})
    with (tmp_path / "reports" / "rpt_example.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    directorates = {row["directorate"] for row in rows}
    assert directorates == {"'" + text for text in HOSTILE} | {"Adult Social Care and Health"}
    assert {row["complaints"] for row in rows} == {"-5", "3"}  # numbers stay numbers


# Every column a report mart may have. Report marts leave the council (CSV, Parquet, BI):
# counts, shares, money, categories and dates only -- no free text (summaries, details,
# raw values) and no personal identifiers (case references are internal, names never
# arrive). A new column must be added here deliberately.
REPORT_COLUMNS_ALLOWED = {
    "financial_year",
    "measure",
    "value",
    "previous_year_value",
    "difference",
    "pct_difference",
    "directorate",
    "service",
    "complaints_received",
    "previous_year_received",
    "feedback_type",
    "cases_closed",
    "previous_year_cases_closed",
    "outcome",
    "complaints_closed",
    "share_of_closed",
    "stage2_closed",
    "stage2_upheld_or_partly",
    "already_upheld_at_stage1",
    "stage1_overturned",
    "bypassed_stage1",
    "received",
    "reason",
    "reasons_recorded",
    "share",
    "upheld_complaints",
    "share_of_total",
    "stage",
    "procedure",
    "closed",
    "on_time",
    "pct_on_time",
    "kpi_target",
    "acknowledged_on_time",
    "pct_acknowledged_on_time",
    "median_working_days",
    "p90_working_days",
    "delay_reason",
    "late_complaints",
    "rank",
    "channel",
    "is_digital",
    "digital_share",
    "amount_gbp",
    "following_lgsco_gbp",
    "previous_year_amount_gbp",
    "difference_gbp",
    "payment_reason",
    "payments",
    "share_of_payments",
    "complaints",
    "action",
    "stage1_complaints",
    "comments",
    "compliments",
    "lgsco_cases",
    "month_end",
    "age_band",
    "open_complaints",
    "past_due",
    "cases",
    "met",
    "pct_met",
    "stage1_closed",
    "escalated_to_stage2",
    "stage2_rate",
    "lgsco_rate",
    "lgsco_per_100_stage1",
    "month",
    "open_at_month_end",
    "days_late_band",
    "lgsco_category",
    "decision_category",
    "decisions",
    "scheme",
    "uphold_rate",
    "council_outcome",
    "matched_to_published_decision",
    "authority",
    "authority_type",
    "is_this_council",
    "upheld",
    "not_upheld",
    "compliance_rate",
    "satisfactory_remedy_rate",
    "upheld_per_100k",
    "similar_avg_uphold_rate",
    "similar_avg_satisfactory_remedy_rate",
    "national_avg_uphold_rate",
    "rank_in_type",
    # Measures beyond the published report (docs/extra-measures.md): counts, shares, days.
    "beyond",
    "extensions_granted",
    "inconsistent_dates",
    "late_responses",
    "lgsco_after_stage2_rate",
    "lgsco_not_upheld",
    "lgsco_upheld",
    "lgsco_uphold_rate",
    "linked_decisions",
    "mean_days_to_decision",
    "mean_working_days",
    "median_days_to_decision",
    "missing_channel",
    "missing_delay_reason",
    "missing_outcome",
    "missing_reason",
    "reached_lgsco",
    "reached_lgsco_after_stage2",
    "share_beyond",
    "share_inconsistent_dates",
    "share_missing_channel",
    "share_missing_delay_reason",
    "share_missing_outcome",
    "share_missing_reason",
    "share_upheld_received_earlier",
    "share_within_extension",
    "share_within_timescale",
    "stage1_received",
    "upheld_decisions",
    "upheld_linked_decisions",
    "upheld_received_earlier",
    "within_extension",
    "within_timescale",
    # Measures that need the contract's optional additions (docs/contract-additions.md):
    # counts, shares, rates and district-level geography (no person-level field).
    "activity_measure",
    "activity_value",
    "area_code",
    "area_name",
    "as_of_date",
    "ch01_stage1_per_1000_homes",
    "ch01_stage2_per_1000_homes",
    "ch02_stage1_share_within_code",
    "ch02_stage2_share_within_code",
    "characteristic",
    "complainants",
    "complaints_from_repeat_complainants",
    "complaints_per_10000_residents",
    "complaints_per_1000_units",
    "complaints_with_key",
    "contacts_not_accepted",
    "delivered_late",
    "delivered_on_time",
    "deprivation_decile",
    "directorate_not_accepted",
    "directorate_share_not_accepted",
    "directorate_stage1_received",
    "group_name",
    "has_suppressed_cells",
    "homes_owned",
    "is_area_in_seed",
    "is_total",
    "mean_days_late",
    "multi_service_complainants",
    "not_accepted_reason",
    "outstanding",
    "outstanding_past_due",
    "population",
    "population_mid_year",
    "population_share",
    "reclassified_as",
    "remedies_due",
    "remedy_kind",
    "reopened_cases",
    "repeat_complainants",
    "representation_ratio",
    "residents",
    "share_delivered_on_time",
    "share_of_recorded_complainants",
    "share_repeat_complainants",
    "stage1_responses",
    "stage1_within_code",
    "stage2_received",
    "stage2_responses",
    "stage2_within_code",
    "upheld_responses",
    # The reconciliation of the council's LGSCO log with the Ombudsman's published
    # decisions: LGSCO references and public decision pages (published, anonymised).
    "lgsco_ref",
    "issue",
    "published_decision",
    "council_decision_date",
    "published_decision_date",
    "url",
}


@pytest.mark.e2e
def test_report_marts_hold_no_free_text_or_personal_identifiers(small_run: Run) -> None:
    columns = small_run.query(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'report' order by 1, 2"
    )
    assert columns
    unexpected = [f"{t}.{c}" for t, c in columns if c not in REPORT_COLUMNS_ALLOWED]
    assert unexpected == []
    parquet_columns = {
        name
        for path in (small_run.reports_dir / "parquet").glob("*.parquet")
        for (name,) in duckdb.execute(
            f"select name from parquet_schema('{path}') where name <> 'duckdb_schema'"
        ).fetchall()
    }
    assert parquet_columns <= REPORT_COLUMNS_ALLOWED


def test_purge_deletes_expired_deliveries_and_their_rows(tmp_path: Path) -> None:
    import datetime as dt

    from ingest.landing import iter_deliveries, land_delivery
    from ingest.mapping import load_mapping
    from ingest.retention import purge_deliveries
    from ingest.run import ingest_pending

    landing = tmp_path / "landing"
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    for name, age_days in (("old", 400), ("new", 10)):
        drop = tmp_path / name
        drop.mkdir()
        (drop / f"case_reasons_{name}.csv").write_text(f"case_ref,reason\n{name}1,Delay\n")
        land_delivery(drop, landing, name, received_at=now - dt.timedelta(days=age_days))
    ingest_pending(landing, load_mapping(), now.date())
    old, new = iter_deliveries(landing)
    assert purge_deliveries(landing, 365, now) == [old.delivery_id]
    assert not old.path.exists() and new.path.exists()
    left = sorted(p.name for p in (landing / "_validated").rglob(f"{old.delivery_id}*"))
    assert left == []
    kept = duckdb.execute(
        f"select case_ref from read_parquet('{landing}/_validated/case_reasons/2*.parquet')"
    ).fetchall()
    assert kept == [("new1",)]
