"""The `scrape-lgsco` subflow: harvest the Ombudsman's decisions and annual statistics.

Orchestration only: the scrapers (`scrapers.lgsco`) fetch and parse, `ingest.lgsco` lands
the records where dbt reads them. Requests to the LGSCO host share a Prefect global
concurrency limit (one at a time) on top of the client's own politeness.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_client, get_run_logger, task
from prefect.cache_policies import TASK_SOURCE, CacheKeyFnPolicy
from prefect.concurrency.sync import concurrency

from ingest.lgsco import ensure_empty_tables, land_annual_stats, land_decisions
from scrapers.lgsco import (
    HarvestConfig,
    PoliteClient,
    StatRecord,
    annual_stats_files,
    download_annual_stats,
    harvest_decisions,
    read_annual_stats,
)

LGSCO_HOST_LIMIT = "lgsco-host"
ENV_BASE_URL = "FEEDBACK_LGSCO_BASE_URL"
ENV_ORGANISATION = "FEEDBACK_LGSCO_ORGANISATION"
ENV_SINCE = "FEEDBACK_LGSCO_SINCE"
ENV_STATS = "FEEDBACK_LGSCO_STATS"
ENV_MIN_INTERVAL = "FEEDBACK_LGSCO_MIN_INTERVAL"
DEFAULT_BASE_URL = "https://www.lgo.org.uk"
DEFAULT_ORGANISATION = "Kent County Council"
DEFAULT_SINCE = dt.date(2020, 4, 1)


@dataclass(frozen=True)
class LgscoSettings:
    """Where and what to scrape. `stats` is a folder of statistics files or URLs of them."""

    base_url: str = DEFAULT_BASE_URL
    organisation: str = DEFAULT_ORGANISATION
    since: dt.date = DEFAULT_SINCE
    stats: tuple[str, ...] = ()
    min_interval_s: float = 1.0
    task_retries: int = 1

    @classmethod
    def resolve(
        cls,
        base_url: str | None = None,
        organisation: str | None = None,
        since: dt.date | None = None,
        stats: list[str] | tuple[str, ...] | None = None,
        min_interval_s: float | None = None,
    ) -> LgscoSettings:
        """Option, else environment variable, else the default (the real site)."""
        env_stats = tuple(s for s in os.environ.get(ENV_STATS, "").split(",") if s.strip())
        env_since = os.environ.get(ENV_SINCE)
        env_interval = os.environ.get(ENV_MIN_INTERVAL)
        return cls(
            base_url=(base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/"),
            organisation=organisation or os.environ.get(ENV_ORGANISATION) or DEFAULT_ORGANISATION,
            since=since or (dt.date.fromisoformat(env_since) if env_since else DEFAULT_SINCE),
            stats=tuple(stats or env_stats),
            min_interval_s=(
                min_interval_s
                if min_interval_s is not None
                else float(env_interval)
                if env_interval
                else 1.0
            ),
        )


def ensure_host_limit() -> None:
    """One request at a time to the LGSCO host, across every flow run on this server."""
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(LGSCO_HOST_LIMIT, 1)


@task(name="harvest-lgsco-decisions", retries=1, retry_delay_seconds=60)
def harvest(lgsco: LgscoSettings, landing_dir: Path, harvest_id: str) -> dict[str, Any]:
    """Harvest new and changed decisions since the high-water mark, and land them."""
    logger = get_run_logger()
    root = landing_dir / "lgsco"
    config = HarvestConfig(
        organisation=lgsco.organisation,
        state_dir=root / "state",
        raw_dir=root / "raw",
        since=lgsco.since,
        base_url=lgsco.base_url,
    )
    with concurrency(LGSCO_HOST_LIMIT, occupy=1):
        result = harvest_decisions(PoliteClient(min_interval=lgsco.min_interval_s), config)
    landed = land_decisions(result.decisions, landing_dir, harvest_id)
    for failure in result.failures:
        logger.warning("LGSCO %s: %s (%s)", failure.kind, failure.url, failure.reason)
    logger.info(
        "LGSCO harvest: %d decisions landed, %d failures",
        len(result.decisions),
        len(result.failures),
    )
    return {
        "decisions_scraped": len(result.decisions),
        "failures": [f"{f.kind}: {f.url}: {f.reason}" for f in result.failures],
        "complete": result.complete,
        "landed": str(landed) if landed else None,
    }


def _file_key(context: Any, parameters: dict[str, Any]) -> str:
    """A statistics file's cache key: where it is and what it holds."""
    path = Path(parameters["path"])
    return f"{path.resolve()}:{hashlib.sha256(path.read_bytes()).hexdigest()}"


@task(
    name="read-lgsco-statistics-file",
    # The statistics change once a year: an unchanged file (same place, same bytes, same
    # reader code) is not parsed again; its records come from Prefect's result cache.
    cache_policy=TASK_SOURCE + CacheKeyFnPolicy(cache_key_fn=_file_key),
    cache_expiration=dt.timedelta(days=400),
)
def read_statistics_file(path: Path) -> list[StatRecord]:
    """The records of one annual statistics file (CSV or XLSX)."""
    return read_annual_stats(path)


@task(name="land-lgsco-statistics", retries=1, retry_delay_seconds=60)
def statistics(lgsco: LgscoSettings, landing_dir: Path) -> dict[str, Any]:
    """Read the all-authorities statistics files (a folder, or URLs through the client)."""
    files: list[Path] = []
    raw_dir = landing_dir / "lgsco" / "raw" / "statistics"
    for source in lgsco.stats:
        if source.startswith(("http://", "https://")):
            with concurrency(LGSCO_HOST_LIMIT, occupy=1):
                client = PoliteClient(min_interval=lgsco.min_interval_s)
                files.append(download_annual_stats(client, source, raw_dir))
        else:
            files.extend(annual_stats_files(source))
    records = [record for path in files for record in read_statistics_file(path)]
    landed = land_annual_stats(records, landing_dir)
    get_run_logger().info("LGSCO statistics: %d values from %d file(s)", len(records), len(landed))
    return {"statistics_values": len(records), "statistics_files": len(landed)}


@flow(name="scrape-lgsco")
def scrape_lgsco(lgsco: LgscoSettings, landing_dir: Path) -> dict[str, Any]:
    """Harvest the council's published decisions and the annual statistics."""
    ensure_empty_tables(landing_dir)
    ensure_host_limit()
    harvest_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    retries = {"retries": lgsco.task_retries}
    summary = harvest.with_options(**retries)(lgsco, landing_dir, harvest_id)
    if lgsco.stats:
        summary.update(statistics.with_options(**retries)(lgsco, landing_dir))
    return summary
