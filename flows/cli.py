"""`feedback`: the command line of Feedback Pipeline.

feedback run     land a delivery, ingest, build and publish (the nightly flow)
feedback ingest  land and validate a delivery only (no dbt)
feedback build   run dbt build on what is already ingested (DuckDB, or --target postgres)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

from flows.settings import (
    ENV_DBT_TARGET,
    ENV_EXPORT_URL,
    ENV_LANDING_DIR,
    ENV_MAPPING,
    ENV_PUBLISH_POSTGRES,
    ENV_REPORTS_DIR,
    ENV_SUPPRESS_BELOW,
    ENV_WAREHOUSE,
    Settings,
)

# Show the ingest package's log lines in Prefect's run log and console.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "ingest")
# Prefect's server sends usage telemetry to the internet unless told not to: a council's
# pipeline sends nothing anywhere it was not asked to.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _threshold(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


def _add_locations(parser: argparse.ArgumentParser, reports: bool = True) -> None:
    parser.add_argument(
        "--landing-dir",
        help=f"landing zone (env {ENV_LANDING_DIR}; default data/landing)",
    )
    parser.add_argument(
        "--warehouse",
        help=f"DuckDB file to build into (env {ENV_WAREHOUSE}; default warehouse/feedback.duckdb)",
    )
    if reports:
        parser.add_argument(
            "--reports-dir", help=f"outputs folder (env {ENV_REPORTS_DIR}; default reports)"
        )


def _add_suppression(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--suppress-below",
        type=_threshold,
        nargs="?",
        const=5,
        metavar="N",
        help="publish the report files (CSV, Parquet, HTML, XLSX) for outside the council:"
        f" counts below N (default 5) shown as <N>, with secondary suppression"
        f" (env {ENV_SUPPRESS_BELOW}); the warehouse keeps the exact figures",
    )


def _add_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--source-dir", type=Path, help="a delivery folder in the canonical format (or --mapping's)"
    )
    source.add_argument(
        "--export-url",
        default=os.environ.get(ENV_EXPORT_URL),
        help=f"base URL of the case system's export API (env {ENV_EXPORT_URL});"
        " token from FEEDBACK_EXPORT_TOKEN",
    )
    parser.add_argument(
        "--since",
        type=_timestamp,
        help="export API: only records modified since this ISO timestamp (UTC unless given)",
    )
    parser.add_argument(
        "--mapping",
        help=f"column-mapping YAML of the case system (env {ENV_MAPPING}; default canonical)",
    )
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="run date for the 'not in the future' rule (default today)",
    )


def _add_lgsco(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("LGSCO (the Ombudsman's published decisions and statistics)")
    group.add_argument(
        "--lgsco-base-url",
        help="the Ombudsman's site (env FEEDBACK_LGSCO_BASE_URL; default the real site)",
    )
    group.add_argument(
        "--lgsco-organisation",
        help="the council's LGSCO display name (env FEEDBACK_LGSCO_ORGANISATION)",
    )
    group.add_argument(
        "--lgsco-since",
        type=dt.date.fromisoformat,
        help="first decision date of the first harvest, YYYY-MM-DD (env FEEDBACK_LGSCO_SINCE)",
    )
    group.add_argument(
        "--lgsco-stats",
        action="append",
        help="a folder of LGSCO annual statistics files, or the URL of one (repeatable;"
        " env FEEDBACK_LGSCO_STATS, comma-separated)",
    )
    group.add_argument(
        "--no-lgsco", action="store_true", help="do not scrape the LGSCO in this run"
    )


def _add_publish_postgres(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--publish-postgres",
        action="store_true",
        default=os.environ.get(ENV_PUBLISH_POSTGRES, "").strip().lower() in ("1", "true", "yes"),
        help="after the DuckDB build is published, build the same data into Postgres for BI"
        f" tools, swapped in at once (env {ENV_PUBLISH_POSTGRES}=1; connection from the"
        " FEEDBACK_POSTGRES_* variables)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback",
        description="Feedback Pipeline: council complaints data to the annual feedback report.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="land a delivery, ingest, build and publish (the nightly flow)",
        description="Run the nightly flow: land -> ingest -> dbt build -> publish.",
    )
    _add_source(run)
    _add_locations(run)
    _add_suppression(run)
    _add_lgsco(run)
    _add_publish_postgres(run)
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="build every table from scratch, not from a copy of the last published build",
    )
    run.set_defaults(handler=_cmd_run)

    ingest = sub.add_parser(
        "ingest",
        help="land and validate a delivery without building",
        description="Land a delivery (if given) and validate every delivery not yet ingested.",
    )
    _add_source(ingest)
    _add_locations(ingest, reports=False)
    ingest.set_defaults(handler=_cmd_ingest)

    build = sub.add_parser(
        "build",
        help="run dbt build on what is already ingested",
        description="Build and test every dbt model into the warehouse.",
    )
    _add_locations(build, reports=False)
    build.add_argument("--select", help="dbt node selection (default: everything)")
    build.add_argument(
        "--target",
        choices=("duckdb", "postgres"),
        default=os.environ.get(ENV_DBT_TARGET) or "duckdb",
        help=f"duckdb (the --warehouse file) or postgres: load the landing zone's validated"
        " data into Postgres, then build there (connection from the FEEDBACK_POSTGRES_*"
        f" variables; env {ENV_DBT_TARGET}; default duckdb)",
    )
    build.set_defaults(handler=_cmd_build)

    validate = sub.add_parser(
        "validate",
        help="run the reconciliation suites on an existing warehouse",
        description="Run the Great Expectations reconciliation suites on a warehouse, append"
        " the results to marts.validation_results and render Data Docs under reports/.",
    )
    _add_locations(validate)
    validate.add_argument("--suite", action="append", help="only this suite (repeatable)")
    validate.set_defaults(handler=_cmd_validate)

    report = sub.add_parser(
        "report",
        help="render the annual report (HTML and XLSX) from a warehouse",
        description="Render reports/annual_report_<YYYY-YY>.html and .xlsx from a warehouse's"
        " report marts (the nightly run does this after every build).",
    )
    _add_locations(report)
    _add_suppression(report)
    report.add_argument("--year", help="financial year YYYY/YY (default: the latest complete year)")
    report.set_defaults(handler=_cmd_report)

    audit = sub.add_parser(
        "audit",
        help="check a published report against itself (and the warehouse)",
        description="Audit a published report's cells (CSV: table,row,column,published):"
        " totals vs parts, differences, percentages, the same figure in two tables, and"
        " printed vs computed where a warehouse is given. Writes one row per failed check.",
    )
    audit.add_argument("--published", type=Path, required=True, help="CSV of published cells")
    audit.add_argument("--warehouse", type=Path, help="compare with this warehouse's marts")
    audit.add_argument("--out", type=Path, required=True, help="findings CSV to write")
    audit.set_defaults(handler=_cmd_audit)

    serve = sub.add_parser(
        "serve",
        help="run the nightly flow on a schedule (a Prefect deployment) until stopped",
        description="Serve the nightly deployment: every night at 02:00 Europe/London by"
        " default, at most one run at a time, with this command's settings as parameters.",
    )
    _add_source(serve)
    _add_locations(serve)
    _add_suppression(serve)
    _add_lgsco(serve)
    _add_publish_postgres(serve)
    serve.add_argument("--cron", default="0 2 * * *", help="schedule (default 0 2 * * *)")
    serve.add_argument("--timezone", default="Europe/London", help="schedule's time zone")
    serve.set_defaults(handler=_cmd_serve)

    purge = sub.add_parser(
        "purge",
        help="delete deliveries older than the retention period",
        description="Delete landed deliveries (raw files and their validated rows) received"
        " more than N days ago. Default N: FEEDBACK_RETENTION_DAYS, else six years.",
    )
    purge.add_argument("--older-than-days", type=int, help="retention period in days")
    purge.add_argument(
        "--landing-dir", help=f"landing zone (env {ENV_LANDING_DIR}; default data/landing)"
    )
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    purge.set_defaults(handler=_cmd_purge)

    rollback = sub.add_parser(
        "rollback",
        help="publish an earlier kept build (or list them)",
        description="Publish a kept build as the warehouse BI tools read (atomically).",
    )
    rollback.add_argument("build_id", nargs="?", help="the build to publish (see --list)")
    rollback.add_argument("--list", action="store_true", help="list the kept builds")
    rollback.add_argument(
        "--warehouse",
        help=f"the published DuckDB file (env {ENV_WAREHOUSE}; default warehouse/feedback.duckdb)",
    )
    rollback.set_defaults(handler=_cmd_rollback)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from flows.startup import prepare_run

    prepare_run()
    from flows.lgsco import LgscoSettings
    from flows.nightly import nightly
    from flows.publish import overview_lines

    lgsco = None
    if not args.no_lgsco:
        lgsco = LgscoSettings.resolve(
            args.lgsco_base_url, args.lgsco_organisation, args.lgsco_since, args.lgsco_stats
        )
    state = nightly(
        source_dir=str(args.source_dir) if args.source_dir else None,
        export_url=args.export_url,
        modified_since=args.since,
        landing_dir=args.landing_dir,
        warehouse=args.warehouse,
        reports_dir=args.reports_dir,
        mapping=args.mapping,
        as_of=args.as_of,
        lgsco=lgsco,
        suppress_below=args.suppress_below,
        publish_postgres=args.publish_postgres,
        full_refresh=args.full_refresh,
        return_state=True,
    )
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):
        print(f"\nThe nightly run failed: {summary}", file=sys.stderr)
        return 1
    settings = Settings.resolve(args.landing_dir, args.warehouse, args.reports_dir)
    print()
    print(f"Warehouse: {settings.warehouse}")
    print(f"Reports:   {settings.reports_dir}")
    annual_report = (summary.get("publish") or {}).get("annual_report") or {}
    if annual_report:
        print(f"Annual report {annual_report['year']}: {annual_report['html']}")
    print(
        f"Rows read {summary['rows_read']}, accepted {summary['rows_accepted']},"
        f" rejected {summary['rows_rejected']} (see audit.rejected_rows);"
        f" models built {summary['models_built']}, tests passed {summary['tests_passed']}"
    )
    build = summary.get("build") or {}
    if build:
        print(f"Build: {build['mode']} ({build['reason']})")
    postgres = summary.get("postgres") or {}
    if postgres.get("database"):
        print(f"Postgres:  {postgres['database']} (schemas {', '.join(postgres['schemas'])})")
    lgsco_summary = summary.get("lgsco") or {}
    if "decisions_scraped" in lgsco_summary:
        print(f"LGSCO: {lgsco_summary['decisions_scraped']} decisions scraped")
    print("Table 1, latest year:")
    for line in overview_lines(settings.warehouse):
        print(f"  {line}")
    if state.is_failed():
        print(f"\nFAILED: {state.message}", file=sys.stderr)
        return 1
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.landing import land_delivery
    from ingest.mapping import load_mapping
    from ingest.run import ingest_pending
    from ingest.sources.http_export import HttpExportConfig, fetch_export

    settings = Settings.resolve(args.landing_dir, args.warehouse, None, args.mapping)
    if args.source_dir:
        land_delivery(args.source_dir, settings.landing_dir, source=f"folder:{args.source_dir}")
    elif args.export_url:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="feedback-export-") as tmp:
            fetch_export(HttpExportConfig(args.export_url, modified_since=args.since), Path(tmp))
            land_delivery(Path(tmp), settings.landing_dir, source=f"http:{args.export_url}")
    report = ingest_pending(settings.landing_dir, load_mapping(settings.mapping), args.as_of)
    print(json.dumps(report.as_dict(), indent=2))
    return 1 if report.failed_files else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from flows.dbt_build import run_dbt

    settings = Settings.resolve(args.landing_dir, args.warehouse)
    if args.target == "postgres":
        return _build_postgres(settings, args.select)
    # In place, so from scratch: the warehouse may predate a purge of the landing zone.
    extra = ["--full-refresh", *(["--select", args.select] if args.select else [])]
    summary = run_dbt(settings, "build", extra, logger=logging.getLogger("dbt"))
    print(json.dumps(summary.as_dict(), indent=2))
    if not summary.success:
        print(f"feedback build: {summary.failure_message()}", file=sys.stderr)
    return 0 if summary.success else 1


def _build_postgres(settings: Settings, select: str | None) -> int:
    from flows.dbt_build import DbtBuildError
    from flows.postgres import build_postgres
    from ingest.postgres_load import PostgresConnection, PostgresLoadError, PostgresUnavailableError

    try:
        connection = PostgresConnection.from_environment()
        loaded, summary = build_postgres(
            settings, connection, select=select, logger=logging.getLogger("dbt")
        )
    except (ValueError, PostgresUnavailableError, PostgresLoadError, DbtBuildError) as exc:
        print(f"feedback build --target postgres: {exc}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {"database": loaded.database, "raw_tables": loaded.tables, **summary.as_dict()},
            indent=2,
        )
    )
    return 0 if summary.success else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    import datetime as _dt

    from expectations.runner import render_data_docs, run_suites, write_results

    settings = Settings.resolve(args.landing_dir, args.warehouse, args.reports_dir)
    run_id = f"validate-{_dt.datetime.now(_dt.UTC):%Y%m%dT%H%M%SZ}"
    report = run_suites(settings.warehouse, run_id, args.suite)
    write_results(settings.warehouse, report)
    docs = render_data_docs(report, settings.reports_dir)
    for result in report.results:
        if not result.success:
            print(
                f"{result.severity.upper():5} {result.suite}.{result.expectation}: {result.details}"
            )
    passed = sum(1 for r in report.results if r.success)
    print(f"{passed} of {len(report.results)} expectations passed; Data Docs: {docs}")
    return 1 if report.errors else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from outputs.annual_report import publish_annual_report
    from outputs.suppression import Suppressor

    settings = Settings.resolve(
        args.landing_dir, args.warehouse, args.reports_dir, suppress_below=args.suppress_below
    )
    suppressor = Suppressor(settings.suppress_below) if settings.suppress_below else None
    written = publish_annual_report(settings.warehouse, settings.reports_dir, suppressor, args.year)
    print(f"Annual report {written['year']}: {written['html']} and {written['xlsx']}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from expectations.audit import audit_published, write_findings

    findings = audit_published(args.published, args.warehouse)
    write_findings(findings, args.out)
    print(f"{len(findings)} finding(s) written to {args.out}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from flows.deploy import serve
    from flows.lgsco import LgscoSettings

    parameters = {
        "source_dir": str(args.source_dir.resolve()) if args.source_dir else None,
        "export_url": args.export_url,
        "landing_dir": args.landing_dir,
        "warehouse": args.warehouse,
        "reports_dir": args.reports_dir,
        "mapping": args.mapping,
        "suppress_below": args.suppress_below,
        "publish_postgres": args.publish_postgres or None,
    }
    if not args.no_lgsco:
        lgsco = LgscoSettings.resolve(
            args.lgsco_base_url, args.lgsco_organisation, args.lgsco_since, args.lgsco_stats
        )
        parameters["lgsco"] = {**asdict(lgsco), "since": lgsco.since.isoformat()}
    serve({k: v for k, v in parameters.items() if v is not None}, args.cron, args.timezone)
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    from ingest.retention import expired_deliveries, purge_deliveries, retention_days

    settings = Settings.resolve(args.landing_dir)
    days = args.older_than_days if args.older_than_days is not None else retention_days()
    if args.dry_run:
        ids = [d.delivery_id for d in expired_deliveries(settings.landing_dir, days)]
    else:
        ids = purge_deliveries(settings.landing_dir, days)
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb} {len(ids)} delivery(ies) older than {days} days: {', '.join(ids) or '-'}")
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from flows.build_base import forget_published
    from flows.builds import build_path, builds_dir, list_builds, publish_build

    settings = Settings.resolve(warehouse=args.warehouse)
    builds = list_builds(settings.warehouse)
    if args.list or not args.build_id:
        print("\n".join(builds) if builds else "no kept builds")
        return 0
    if args.build_id not in builds:
        print(
            f"no kept build {args.build_id!r}; kept: {', '.join(builds) or 'none'}", file=sys.stderr
        )
        return 2
    publish_build(build_path(settings.warehouse, args.build_id), settings.warehouse)
    forget_published(builds_dir(settings.warehouse))  # the next run builds everything
    print(f"Published build {args.build_id} to {settings.warehouse}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "run":  # `run` logs through Prefect
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
