"""Scrapers of the Local Government and Social Care Ombudsman (www.lgo.org.uk).

Modules, one job each:

* :mod:`~scrapers.lgsco.normalise` - pure normalisers (references, names, URLs, dates, £, slugs).
* :mod:`~scrapers.lgsco.html_text` - HTML to visible text lines.
* :mod:`~scrapers.lgsco.listing` - decision search URLs and results pages.
* :mod:`~scrapers.lgsco.decision_page` - one decision page -> :class:`Decision`.
* :mod:`~scrapers.lgsco.client` - the polite client (retries, pacing, robots.txt, 304s).
* :mod:`~scrapers.lgsco.storage` - atomic file writes.
* :mod:`~scrapers.lgsco.harvest` - incremental harvest of one organisation's decisions.
* :mod:`~scrapers.lgsco.annual_stats` - the all-authorities annual statistics files.

Records are frozen dataclasses with ``as_dict()``; nothing here knows about dbt or Prefect.
Re-use of LGSCO material is free of charge with acknowledgement of the source: outputs that
show it should carry :data:`ATTRIBUTION`.
"""

from scrapers.lgsco.annual_stats import (
    AnnualStatsError,
    StatRecord,
    annual_stats_files,
    download_annual_stats,
    fetch_annual_stats,
    read_annual_stats,
    read_annual_stats_folder,
)
from scrapers.lgsco.client import FetchError, FetchResult, PoliteClient
from scrapers.lgsco.decision_page import Decision, UnknownLayoutError, parse_decision_page
from scrapers.lgsco.harvest import (
    Failure,
    HarvestConfig,
    HarvestProgress,
    HarvestResult,
    harvest_decisions,
)
from scrapers.lgsco.listing import (
    EmptyListingError,
    ListingError,
    ListingLayoutError,
    ListingPage,
    ListingRow,
    parse_listing,
    search_url,
)

ATTRIBUTION = (
    "Contains material from the Local Government and Social Care Ombudsman (www.lgo.org.uk)."
)

__all__ = [
    "ATTRIBUTION",
    "AnnualStatsError",
    "Decision",
    "EmptyListingError",
    "Failure",
    "FetchError",
    "FetchResult",
    "HarvestConfig",
    "HarvestProgress",
    "HarvestResult",
    "ListingError",
    "ListingLayoutError",
    "ListingPage",
    "ListingRow",
    "PoliteClient",
    "StatRecord",
    "UnknownLayoutError",
    "annual_stats_files",
    "download_annual_stats",
    "fetch_annual_stats",
    "harvest_decisions",
    "parse_decision_page",
    "parse_listing",
    "read_annual_stats",
    "read_annual_stats_folder",
    "search_url",
]
