"""Great Expectations, offline: an ephemeral context, no analytics, no progress bars.

Why pandas and not GX's SQL datasource: Great Expectations 1.24's SQLAlchemy engine
returns empty results on DuckDB (it closes the connection before fetching: upstream
issues great_expectations#10738 and #11579; a native DuckDB engine is proposed in PR
#12084). The reconciliations are computed in SQL in DuckDB, and GX validates their small
result frames through its pandas datasource. tests/test_expectations.py has a test that
fails, saying so, the day the SQL engine works on DuckDB again.
"""

from __future__ import annotations

import os
from typing import Any

# Before great_expectations is imported anywhere: never send usage statistics.
os.environ["GX_ANALYTICS_ENABLED"] = "false"


def ephemeral_context() -> Any:
    """A new in-memory Data Context: nothing written to disk, nothing sent anywhere."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def add_local_site(context: Any, site_name: str, directory: str) -> None:
    """A Data Docs site written as static HTML files under `directory`."""
    context.add_data_docs_site(
        site_name=site_name,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": directory,
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
