"""Build the warehouse on PostgreSQL (`--target postgres`) from the landing zone.

`build_postgres` loads the validated data into the raw tables and runs `dbt build --target
postgres` in place, as `feedback build` does on DuckDB. `publish_postgres` is the nightly
run's publish step for BI tools that read Postgres: it loads and builds into fresh schemas
(`raw_cases__next`, `report__next`, ...) while BI keeps reading the live ones, and only
after every model and test passed renames them over the live schemas in one transaction,
so a reader sees the previous warehouse or the new one, never a half-built one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flows.dbt_build import DbtBuildError, DbtSummary, run_dbt
from flows.settings import Settings
from ingest.postgres_load import LoadReport, PostgresConnection, load_validated

NEXT_SUFFIX = "__next"
OLD_SUFFIX = "__old"
# One publish per database at a time (pg_advisory_lock key; "feedback" in ASCII).
PUBLISH_LOCK_KEY = 0x6665656462616B
# How long the swap waits for BI queries holding the old tables before giving up.
SWAP_LOCK_TIMEOUT = "60s"


class PostgresPublishError(RuntimeError):
    """The Postgres warehouse could not be published (the live schemas are unchanged)."""


def _dbt_args(dbt_vars: dict[str, Any] | None, select: str | None = None) -> list[str]:
    # Every table from scratch: the incremental case models' SQL is DuckDB's.
    args = ["--full-refresh", *(["--vars", json.dumps(dbt_vars)] if dbt_vars else [])]
    return [*args, "--select", select] if select else args


def build_postgres(
    settings: Settings,
    connection: PostgresConnection,
    dbt_vars: dict[str, Any] | None = None,
    select: str | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
) -> tuple[LoadReport, DbtSummary]:
    """Load the landing zone's validated data into the raw tables, then dbt build in place."""
    loaded = load_validated(settings.landing_dir, connection)
    summary = run_dbt(settings, "build", _dbt_args(dbt_vars, select), logger, postgres=connection)
    return loaded, summary


def publish_postgres(
    settings: Settings,
    connection: PostgresConnection,
    dbt_vars: dict[str, Any] | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
) -> dict[str, Any]:
    """Load and build into `<schema>__next` schemas, then swap them in at once.

    Raises PostgresPublishError (or the loader's errors) with the live schemas unchanged
    when the load or the build fails; the `__next` schemas are left for investigation and
    dropped by the next publish.
    """
    log = logger or logging.getLogger(__name__)
    lock = connection.connect()
    try:
        with lock.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", [PUBLISH_LOCK_KEY])
            (locked,) = cur.fetchone()
        lock.commit()
        if not locked:
            raise PostgresPublishError(f"another publish to {connection.describe()} is in progress")
        dropped = drop_schemas(connection, NEXT_SUFFIX)
        if dropped:
            log.info("Dropped schemas left by an earlier publish: %s", ", ".join(dropped))
        loaded = load_validated(settings.landing_dir, connection, NEXT_SUFFIX)
        summary = run_dbt(
            settings,
            "build",
            _dbt_args({**(dbt_vars or {}), "schema_suffix": NEXT_SUFFIX}),
            log,
            postgres=connection,
        )
        if not summary.success:
            raise PostgresPublishError(
                f"dbt build on {connection.describe()} failed; the live schemas are unchanged: "
                + "; ".join(summary.failures)[:2000]
            )
        swapped = swap_schemas(connection, NEXT_SUFFIX)
    except DbtBuildError as exc:
        raise PostgresPublishError(f"{exc}; the live schemas are unchanged") from exc
    finally:
        lock.close()  # releases the advisory lock
    log.info("Published to Postgres %s: schemas %s", connection.describe(), ", ".join(swapped))
    return {
        "database": connection.describe(),
        "schemas": swapped,
        "raw_rows_loaded": loaded.rows,
        "dbt": summary.as_dict(),
    }


def _schemas_ending(cur: Any, suffix: str) -> list[str]:
    cur.execute(
        "select nspname from pg_catalog.pg_namespace where right(nspname, %s) = %s"
        " order by nspname",
        [len(suffix), suffix],
    )
    return [name for (name,) in cur.fetchall()]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def drop_schemas(connection: PostgresConnection, suffix: str) -> list[str]:
    """Drop every schema whose name ends with `suffix` (and all in it); their names."""
    pg = connection.connect()
    try:
        with pg.cursor() as cur:
            names = _schemas_ending(cur, suffix)
            for name in names:
                cur.execute(f"drop schema {_ident(name)} cascade")
        pg.commit()
        return names
    finally:
        pg.close()


def swap_schemas(connection: PostgresConnection, suffix: str = NEXT_SUFFIX) -> list[str]:
    """In one transaction, rename every `<schema><suffix>` to `<schema>` and drop the
    schema it replaces; the live schema names. Views follow the tables they read (Postgres
    binds them to objects, not names), so staging views keep reading the new raw tables.

    Objects outside these schemas that depend on the old ones (a BI user's own view on
    `report.rpt_*`) are dropped with them: keep such views in dbt, or recreate them.
    """
    pg = connection.connect()
    try:
        with pg.cursor() as cur:
            cur.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            built = _schemas_ending(cur, suffix)
            if not built:
                raise PostgresPublishError(
                    f"no schema ending {suffix} to publish on {connection.describe()}"
                )
            live_names = [name[: -len(suffix)] for name in built]
            cur.execute(
                "select nspname from pg_catalog.pg_namespace where nspname = any(%s)",
                [live_names],
            )
            existing = {name for (name,) in cur.fetchall()}
            for name, live in zip(built, live_names, strict=True):
                if live in existing:
                    cur.execute(f"drop schema if exists {_ident(live + OLD_SUFFIX)} cascade")
                    cur.execute(
                        f"alter schema {_ident(live)} rename to {_ident(live + OLD_SUFFIX)}"
                    )
                cur.execute(f"alter schema {_ident(name)} rename to {_ident(live)}")
            for live in sorted(existing):
                cur.execute(f"drop schema {_ident(live + OLD_SUFFIX)} cascade")
        pg.commit()
        return live_names
    except BaseException:
        pg.rollback()
        raise
    finally:
        pg.close()
