"""The nightly refresh: land new case exports -> ingest -> dbt build -> publish, with the
LGSCO scrape (`scrape-lgsco`) running alongside the case ingestion.

The flow only orchestrates: landing, validation, scraping, dbt and publishing live in
their own modules. It returns a summary (rows in, accepted, rejected, models built, tests
passed, decisions scraped) and ends Failed, after building what it could, when a delivered
file could not be read or the LGSCO scrape failed; a scrape that skipped some pages ends
Completed with the warnings in its message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context
from prefect.states import Completed, Failed, State

from flows.build_base import BuildBase, choose_base, record_published
from flows.builds import (
    append_run_history,
    builds_dir,
    keep_build,
    list_builds,
    load_run_history,
    new_build_id,
    prune_builds,
    publish_build,
    run_lock,
    start_build,
)
from flows.dbt_build import DbtBuildError, run_dbt
from flows.lgsco import LgscoSettings, scrape_lgsco
from flows.notify import notify_flow_failure
from flows.postgres import publish_postgres
from flows.publish import (
    export_parquet,
    publish_reports,
    unmapped_org_units,
    write_run_summary,
)
from flows.settings import PROJECT_DIR, Settings
from ingest.landing import LandingError, land_delivery
from ingest.mapping import load_mapping
from ingest.postgres_load import PostgresConnection
from ingest.run import IngestStorageError, ingest_pending
from ingest.sources.http_export import ExportApiError, HttpExportConfig, fetch_export
from outputs.annual_report import publish_annual_report
from outputs.suppression import Suppressor

RUN_TIMEOUT_S = 4 * 3600  # a nightly run that takes longer than this is stopped and failed


@task(name="land-folder")
def land_folder(source_dir: Path, landing_dir: Path) -> dict[str, Any]:
    """Copy a folder drop's new files into the landing zone."""
    result = land_delivery(source_dir, landing_dir, source=f"folder:{source_dir}")
    return _landing_summary(result)


def _export_fault_is_transient(task: Any, task_run: Any, state: State) -> bool:
    """Retry the export only for faults that may clear (network, timeouts, 5xx/429)."""
    fault = state.result(raise_on_failure=False)
    return isinstance(fault, ExportApiError) and fault.transient


@task(
    name="land-http-export",
    retries=2,
    retry_delay_seconds=[30, 120],
    retry_condition_fn=_export_fault_is_transient,
)
def land_http_export(
    export_url: str, modified_since: dt.datetime | None, landing_dir: Path
) -> dict[str, Any]:
    """Pull the export API's files, then land them like a folder drop."""
    with tempfile.TemporaryDirectory(prefix="feedback-export-") as tmp:
        fetch_export(
            HttpExportConfig(base_url=export_url, modified_since=modified_since), Path(tmp)
        )
        result = land_delivery(Path(tmp), landing_dir, source=f"http:{export_url}")
    return _landing_summary(result)


def _landing_summary(result) -> dict[str, Any]:
    logger = get_run_logger()
    if result.delivery is None:
        logger.info("Nothing new to land (%d file(s) already held)", len(result.duplicates))
    else:
        logger.info("Landed %s: %s", result.delivery.delivery_id, ", ".join(result.landed))
    for duplicate in result.duplicates:
        logger.info("Already landed in %s: %s", duplicate["landed_in"], duplicate["name"])
    return {
        "delivery_id": result.delivery.delivery_id if result.delivery else None,
        "files_landed": result.landed,
        "files_already_held": [d["name"] for d in result.duplicates],
    }


@task(name="ingest")
def ingest(landing_dir: Path, mapping_path: Path | None, as_of: dt.date) -> dict[str, Any]:
    """Validate every landed delivery not yet ingested."""
    report = ingest_pending(landing_dir, load_mapping(mapping_path), as_of)
    logger = get_run_logger()
    for outcome in report.files:
        if outcome.status == "failed":
            logger.error("%s: %s", outcome.source_file, outcome.message)
        elif outcome.status == "loaded":
            logger.info(outcome.message)
    if report.absent_optional_entities:
        logger.info(
            "Optional inputs never delivered (their marts are empty): %s",
            ", ".join(report.absent_optional_entities),
        )
    if report.absent_optional_fields:
        logger.info(
            "Optional fields never delivered (their marts are empty): %s",
            ", ".join(report.absent_optional_fields),
        )
    return report.as_dict()


@task(name="run-scrape-lgsco")
def run_scrape(lgsco: LgscoSettings, landing_dir: Path) -> dict[str, Any]:
    """The scrape subflow, as a task so that it runs while the case exports are ingested."""
    return scrape_lgsco(lgsco, landing_dir)


@task(name="dbt-build")
def dbt_build(settings: Settings, dbt_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build and test every model (seeds, staging, intermediate, marts)."""
    extra = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    summary = run_dbt(settings, "build", extra, logger=get_run_logger())
    if not summary.success:
        raise DbtBuildError(summary.failure_message())
    return summary.as_dict()


@task(name="validate")
def validate(build: Path, reports_dir: Path, run_id: str) -> dict[str, Any]:
    """Run the reconciliation suites on the build; keep the results in it and as Data Docs."""
    from expectations.runner import render_data_docs, run_suites, write_results

    report = run_suites(build, run_id)
    write_results(build, report)
    docs = render_data_docs(report, reports_dir)
    logger = get_run_logger()
    for result in report.errors:
        logger.error("Expectation failed (error) %s: %s", result.expectation, result.details)
    for result in report.warnings:
        logger.warning("Expectation failed (warn) %s: %s", result.expectation, result.details)
    return {
        "expectations": len(report.results),
        "passed": sum(1 for r in report.results if r.success),
        "errors": [f"{r.expectation}: {r.details}" for r in report.errors],
        "warnings": [f"{r.expectation}: {r.details}" for r in report.warnings],
        "data_docs": str(docs),
    }


@task(name="check-org-units")
def check_org_units(settings: Settings) -> list[dict[str, Any]]:
    """Warn about directorate and service names missing from the org_units seed."""
    unmapped = unmapped_org_units(settings.warehouse)
    for unit in unmapped:
        get_run_logger().warning(
            "%s %r is not in the org_units seed (%d cases kept under that name)",
            unit["unit_type"],
            unit["recorded_name"],
            unit["cases"],
        )
    return unmapped


@task(name="publish", retries=1, retry_delay_seconds=5)
def publish(
    settings: Settings, build: Path, build_id: str, summary: dict[str, Any], run: dict[str, Any]
) -> dict[str, Any]:
    """Reports (CSV, Parquet, the annual report as HTML and XLSX) from the build, then the build
    published atomically."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        steps[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    load_run_history(build, settings.warehouse, run)
    suppressor = Suppressor(settings.suppress_below) if settings.suppress_below else None
    publish_reports(build, settings.reports_dir, summary, suppressor)
    lap("csv_s")
    export_parquet(build, settings.reports_dir / "parquet", build_id, suppressor)
    lap("parquet_s")
    annual_report = publish_annual_report(
        build, settings.reports_dir, suppressor, build_id=build_id
    )
    lap("annual_report_s")
    publish_build(build, settings.warehouse)
    lap("warehouse_copy_s")
    pruned = prune_builds(settings.warehouse, settings.keep_builds)
    get_run_logger().info(
        "Published build %s to %s (%d old build(s) removed)",
        build_id,
        settings.warehouse,
        len(pruned),
    )
    return {
        "published": str(settings.warehouse),
        "builds_kept": list_builds(settings.warehouse),
        "annual_report": annual_report,
        "timings": steps,
    }


@task(name="publish-postgres")
def publish_to_postgres(settings: Settings, dbt_vars: dict[str, Any] | None) -> dict[str, Any]:
    """The same data built into Postgres for BI tools, swapped in at once (connection from
    the FEEDBACK_POSTGRES_* environment variables, never a parameter)."""
    return publish_postgres(
        settings, PostgresConnection.from_environment(), dbt_vars, logger=get_run_logger()
    )


@task(name="dbt-docs")
def publish_dbt_docs(
    build: Path, settings: Settings, dbt_vars: dict[str, Any] | None = None
) -> Path | None:
    """dbt's documentation site (one offline HTML file) under reports/dbt_docs/, generated
    while the build still has the name dbt built it under (the catalog is looked up by it)."""
    target = settings.reports_dir / "dbt_docs"
    target_path = build.with_suffix(".target")
    # The build's manifest (with its compiled SQL) is reused, so docs need not compile every
    # node again, and its partial-parse state (same profile, same vars), so they need not
    # parse the project again.
    built = PROJECT_DIR / "target"
    reuse = (built / "manifest.json").exists()
    target_path.mkdir(parents=True, exist_ok=True)
    for artefact in ("manifest.json", "partial_parse.msgpack"):
        if (built / artefact).exists():
            shutil.copyfile(built / artefact, target_path / artefact)
    summary = run_dbt(
        replace(settings, warehouse=build),
        ["docs", "generate"],
        [
            "--static",
            "--target-path",
            str(target_path),
            *(["--no-compile"] if reuse else []),
            *(["--vars", json.dumps(dbt_vars)] if dbt_vars else []),
        ],
        logger=get_run_logger(),
    )
    page = target_path / "static_index.html"
    if not summary.success or not page.exists():
        get_run_logger().warning("dbt docs were not generated: %s", summary.failures)
        return None
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, target / ".index.html.tmp")
    os.replace(target / ".index.html.tmp", target / "index.html")
    shutil.rmtree(target_path, ignore_errors=True)
    return target / "index.html"


@flow(
    name="nightly",
    log_prints=True,
    timeout_seconds=RUN_TIMEOUT_S,
    on_failure=[notify_flow_failure],
    on_crashed=[notify_flow_failure],
)
def nightly(
    source_dir: str | None = None,
    export_url: str | None = None,
    modified_since: dt.datetime | None = None,
    landing_dir: str | None = None,
    warehouse: str | None = None,
    reports_dir: str | None = None,
    mapping: str | None = None,
    as_of: dt.date | None = None,
    lgsco: LgscoSettings | None = None,
    suppress_below: int | None = None,
    publish_postgres: bool = False,
    dbt_vars: dict[str, Any] | None = None,
    full_refresh: bool = False,
) -> State:
    """Refresh the warehouse from the case management system's exports and the LGSCO
    (and, with publish_postgres, the Postgres warehouse after the DuckDB one).

    `suppress_below`: publish the report files with counts below it suppressed (for outputs
    that leave the council); the warehouse keeps the exact figures. `dbt_vars`: council
    settings that override dbt_project.yml's vars for this run (e.g. tsm_homes_owned)."""
    settings = Settings.resolve(
        landing_dir, warehouse, reports_dir, mapping, suppress_below=suppress_below
    )
    with run_lock(settings.landing_dir):
        return _refresh(
            settings,
            source_dir,
            export_url,
            modified_since,
            as_of,
            lgsco,
            publish_postgres,
            dbt_vars or {},
            full_refresh,
        )


def _refresh(
    settings: Settings,
    source_dir: str | None,
    export_url: str | None,
    modified_since: dt.datetime | None,
    as_of: dt.date | None,
    lgsco: LgscoSettings | None,
    publish_postgres: bool = False,
    council_vars: dict[str, Any] | None = None,
    full_refresh: bool = False,
) -> State:
    run = {
        "run_id": str(get_run_context().flow_run.id),
        "started_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "build_id": new_build_id(),
    }
    scrape = run_scrape.submit(lgsco, settings.landing_dir) if lgsco else None
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    landing: dict[str, Any] = {}
    try:
        if source_dir:
            landing = land_folder(Path(source_dir).resolve(), settings.landing_dir)
        elif export_url:
            landing = land_http_export(export_url, modified_since, settings.landing_dir)
    except (LandingError, ExportApiError) as exc:
        # Nothing of the delivery was landed (a full disk, a read-only landing folder, an
        # export API that refused or failed): the run stops before ingest, and the next run
        # lands the delivery again.
        with contextlib.suppress(OSError):  # the warehouse folder may be on the same disk
            _record(settings, run, "failed", f"Landing failed: {exc}", published=False)
        raise
    try:
        ingested = ingest(settings.landing_dir, settings.mapping, as_of or dt.date.today())
    except IngestStorageError as exc:
        # A full disk or an unwritable folder, not bad data: the delivery stays pending.
        with contextlib.suppress(OSError):
            _record(settings, run, "failed", f"Ingest failed: {exc}", published=False)
        raise
    timings["land_and_ingest_s"] = round(time.perf_counter() - clock, 3)
    scraped = _scrape_outcome(scrape)
    run.update(
        rows_read=ingested["rows_read"],
        rows_accepted=ingested["rows_accepted"],
        rows_rejected=ingested["rows_rejected"],
        files_failed=len(ingested["failed_files"]),
        decisions_scraped=scraped.get("decisions_scraped"),
    )
    # The council's LGSCO name is a CLI setting and a dbt var: keep them one.
    dbt_vars = dict(council_vars or {})
    if lgsco:
        dbt_vars["lgsco_authority_name"] = lgsco.organisation
    base = choose_base(builds_dir(settings.warehouse), settings.landing_dir, dbt_vars, full_refresh)
    get_run_logger().info("Build: %s (%s)", base.mode, base.reason)
    build = start_build(settings.warehouse, base.base_build_id)
    try:
        return _build_and_publish(
            settings,
            build,
            base,
            run,
            ingested,
            scraped,
            landing,
            timings,
            publish_postgres,
            dbt_vars or None,
        )
    finally:
        keep_build(settings.warehouse, run["build_id"])  # a failed build is kept to look into


def _build_and_publish(
    settings: Settings,
    build: Path,
    base: BuildBase,
    run: dict[str, Any],
    ingested: dict[str, Any],
    scraped: dict[str, Any],
    landing: dict[str, Any],
    timings: dict[str, float],
    publish_postgres: bool,
    dbt_vars: dict[str, Any] | None,
) -> State:
    build_settings = replace(settings, warehouse=build)
    try:
        clock = time.perf_counter()
        built = dbt_build(build_settings, dbt_vars)
    except Exception as exc:
        _record(settings, run, "failed", f"dbt build failed: {exc}", published=False)
        raise
    unmapped = check_org_units(build_settings)
    timings["dbt_build_s"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    validation = validate(build, settings.reports_dir, run["run_id"])
    timings["expectations_s"] = round(time.perf_counter() - clock, 3)
    run.update(
        expectations_passed=validation["passed"],
        expectations_failed=len(validation["errors"]) + len(validation["warnings"]),
    )
    summary = {
        "warehouse": str(settings.warehouse),
        "build_id": run["build_id"],
        "landing_dir": str(settings.landing_dir),
        "reports_dir": str(settings.reports_dir),
        "landing": landing,
        "rows_read": ingested["rows_read"],
        "rows_accepted": ingested["rows_accepted"],
        "rows_rejected": ingested["rows_rejected"],
        "failed_files": ingested["failed_files"],
        "absent_optional_entities": ingested["absent_optional_entities"],
        "absent_optional_fields": ingested["absent_optional_fields"],
        "unmapped_org_units": unmapped,
        "lgsco": scraped,
        "files": ingested["files"],
        "models_built": built["models_built"],
        "tests_passed": built["tests_passed"],
        "build": base.as_dict(),
        "dbt": built,
        "validation": validation,
    }
    run.update(models_built=built["models_built"], tests_passed=built["tests_passed"])
    if validation["errors"]:
        # The build stays in warehouse/builds/ for people to investigate; BI keeps the last
        # good warehouse.
        message = (
            f"{len(validation['errors'])} error-severity expectation(s) failed; build"
            f" {run['build_id']} not published: " + "; ".join(validation["errors"])[:2000]
        )
        write_run_summary(settings.reports_dir, summary)
        _record(settings, run, "failed", message, published=False)
        return Failed(message=message, data=summary)
    failures = []
    if ingested["failed_files"]:
        failures.append("Unreadable delivery file(s): " + "; ".join(ingested["failed_files"]))
    if scraped.get("error"):
        failures.append(f"LGSCO scrape failed (council tables were built): {scraped['error']}")
    if failures:
        status, message = "failed", " | ".join(failures)
    elif scraped.get("failures") or validation["warnings"]:
        status = "completed_with_warnings"
        warnings = []
        if scraped.get("failures"):
            warnings.append(
                f"{len(scraped['failures'])} LGSCO page(s) not harvested (see the run summary)"
            )
        if validation["warnings"]:
            warnings.append(f"{len(validation['warnings'])} warn-severity expectation(s) failed")
        message = "Nightly refresh complete with warnings: " + "; ".join(warnings)
    else:
        status, message = "completed", "Nightly refresh complete"
    run.update(status=status, message=message, published=True)
    summary["timings"] = timings
    clock = time.perf_counter()
    publish_dbt_docs(build, settings, dbt_vars)
    timings["dbt_docs_s"] = round(time.perf_counter() - clock, 3)
    kept = keep_build(settings.warehouse, run["build_id"])
    summary["publish"] = publish(settings, kept, run["build_id"], summary, _finished(run))
    try:
        record_published(builds_dir(settings.warehouse), run["build_id"], base)
    except OSError as exc:  # published all the same; the next night builds everything
        get_run_logger().warning("Could not record the published build: %s", exc)
    timings["report_and_publish_s"] = round(time.perf_counter() - clock, 3)
    if publish_postgres:
        clock = time.perf_counter()
        postgres = publish_to_postgres(settings, dbt_vars, return_state=True)
        timings["postgres_publish_s"] = round(time.perf_counter() - clock, 3)
        if postgres.is_completed():
            summary["postgres"] = postgres.result()
        else:
            error = postgres.result(raise_on_failure=False)
            summary["postgres"] = {"error": str(error)}
            status = "failed"
            message = (
                f"{message} | Postgres publish failed (the DuckDB warehouse was published): {error}"
            )
    write_run_summary(settings.reports_dir, summary)
    _record(settings, run, status, message, published=True)
    if status == "failed":
        return Failed(message=message, data=summary)
    return Completed(message=message, data=summary)


def _finished(run: dict[str, Any]) -> dict[str, Any]:
    return {**run, "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}


def _record(
    settings: Settings, run: dict[str, Any], status: str, message: str, published: bool
) -> None:
    append_run_history(
        settings.warehouse,
        _finished({**run, "status": status, "message": message, "published": published}),
    )


def _scrape_outcome(scrape) -> dict[str, Any]:
    """The scrape's summary, or its error: a failed scrape never stops the council's tables."""
    if scrape is None:
        return {"skipped": True}
    scrape.wait()
    state = scrape.state
    if state.is_completed():
        return scrape.result()
    error = state.result(raise_on_failure=False)
    get_run_logger().error("LGSCO scrape failed: %s", error)
    return {"error": str(error) or state.message}
