"""Load the landing zone's validated Parquet into PostgreSQL raw tables for `--target postgres`.

On DuckDB the dbt sources read `<landing>/_validated/<table>/*.parquet` directly (their
`meta.external_location`). PostgreSQL has no such reader, so this module reads every dbt
source's Parquet with DuckDB (the same `read_parquet(..., union_by_name = true)` the DuckDB
sources use) and loads it into `raw_<source>.<table>` with COPY FROM STDIN, one typed
column per Parquet column. All tables are replaced in one transaction: a reader sees the
previous load or the new one, never half of it. Optional files a council never delivered
have an empty, typed `_empty.parquet` (written by ingest), so they load as empty tables,
as they read on DuckDB.

The connection comes from the environment only (`FEEDBACK_POSTGRES_*`, see
`PostgresConnection`); the password is never logged or written into an error message.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from ingest.landing import VALIDATED_DIR
from ingest.validate import q

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
SOURCES_GLOB = "models/staging/*/_*__sources.yml"
RAW_SCHEMA_PREFIX = "raw_"

ENV_HOST = "FEEDBACK_POSTGRES_HOST"
ENV_PORT = "FEEDBACK_POSTGRES_PORT"
ENV_USER = "FEEDBACK_POSTGRES_USER"
ENV_PASSWORD = "FEEDBACK_POSTGRES_PASSWORD"
ENV_DBNAME = "FEEDBACK_POSTGRES_DBNAME"
ENV_SCHEMA = "FEEDBACK_POSTGRES_SCHEMA"
# dbt scrubs the values of DBT_ENV_SECRET_* variables from its logs; profiles.yml reads it.
ENV_DBT_SECRET_PASSWORD = "DBT_ENV_SECRET_FEEDBACK_POSTGRES_PASSWORD"

# Collations that order text by code point, as DuckDB does.
BYTE_ORDER_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8"}


class PostgresUnavailableError(RuntimeError):
    """The Postgres server cannot be reached or refused the connection."""


class PostgresLoadError(RuntimeError):
    """The validated data could not be loaded (missing Parquet, an unsupported type)."""


@dataclass(frozen=True)
class PostgresConnection:
    """Where the Postgres warehouse is; `describe()` names it without the password."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    dbname: str = "feedback"
    schema: str = "public"
    password: str = field(default="", repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> PostgresConnection:
        """FEEDBACK_POSTGRES_HOST, _PORT, _USER, _PASSWORD, _DBNAME, _SCHEMA, else defaults."""
        env = os.environ if environ is None else environ
        default = cls()
        port = env.get(ENV_PORT) or str(default.port)
        if not port.isdigit():
            raise ValueError(f"{ENV_PORT} must be a port number, not {port!r}")
        return cls(
            host=env.get(ENV_HOST) or default.host,
            port=int(port),
            user=env.get(ENV_USER) or default.user,
            dbname=env.get(ENV_DBNAME) or default.dbname,
            schema=env.get(ENV_SCHEMA) or default.schema,
            password=env.get(ENV_PASSWORD, ""),
        )

    def describe(self, dbname: str | None = None) -> str:
        """user@host:port/dbname, for messages (never the password)."""
        return f"{self.user}@{self.host}:{self.port}/{dbname or self.dbname}"

    def dbt_environment(self) -> dict[str, str]:
        """The variables profiles.yml's `postgres` output reads."""
        return {
            ENV_HOST: self.host,
            ENV_PORT: str(self.port),
            ENV_USER: self.user,
            ENV_DBNAME: self.dbname,
            ENV_SCHEMA: self.schema,
            ENV_DBT_SECRET_PASSWORD: self.password,
        }

    def connect(self, dbname: str | None = None, connect_timeout: int = 10) -> Any:
        """A psycopg2 connection (autocommit off); PostgresUnavailableError naming the
        server and database, without the password, when it cannot be opened."""
        import psycopg2

        try:
            return psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=dbname or self.dbname,
                connect_timeout=connect_timeout,
                application_name="feedback-pipeline",
            )
        except psycopg2.OperationalError as exc:
            reason = " ".join(str(exc).split())
            if self.password:
                reason = reason.replace(self.password, "***")
            raise PostgresUnavailableError(
                f"cannot connect to PostgreSQL {self.describe(dbname)}: {reason}"
            ) from exc


@dataclass(frozen=True)
class SourceTable:
    """One dbt source table and where its validated Parquet lies under the landing zone."""

    source: str
    name: str
    directory: str

    def raw_schema(self, suffix: str = "") -> str:
        return f"{RAW_SCHEMA_PREFIX}{self.source}{suffix}"


@dataclass
class LoadReport:
    database: str
    tables: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows loaded

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


_LOCATION = re.compile(r"/" + VALIDATED_DIR + r"/([^/'\"]+)/\*\.parquet")


def source_tables(project_dir: Path = PROJECT_DIR) -> list[SourceTable]:
    """Every table of the dbt sources, with its Parquet folder taken from the source's
    `meta.external_location` (the one definition DuckDB reads too)."""
    tables: list[SourceTable] = []
    for path in sorted(project_dir.glob(SOURCES_GLOB)):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []):
            location = (source.get("meta") or {}).get("external_location", "")
            match = _LOCATION.search(location)
            if not match:
                raise PostgresLoadError(
                    f"{path.name}: source {source['name']} has no"
                    f" {VALIDATED_DIR}/<folder>/*.parquet external_location"
                )
            for table in source.get("tables", []):
                directory = match.group(1).format(name=table["name"])
                tables.append(SourceTable(source["name"], table["name"], directory))
    return tables


def postgres_type(duckdb_type: str) -> str:
    """The Postgres spelling (as `format_type` prints it) of a DuckDB column type."""
    simple = {
        "VARCHAR": "text",
        "BOOLEAN": "boolean",
        "SMALLINT": "smallint",
        "INTEGER": "integer",
        "BIGINT": "bigint",
        "FLOAT": "real",
        "DOUBLE": "double precision",
        "DATE": "date",
        "TIME": "time without time zone",
        "TIMESTAMP": "timestamp without time zone",
        "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    }
    upper = duckdb_type.upper()
    if upper in simple:
        return simple[upper]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    raise PostgresLoadError(f"no Postgres type for the DuckDB type {duckdb_type}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_validated(
    landing_dir: Path,
    connection: PostgresConnection,
    schema_suffix: str = "",
    project_dir: Path = PROJECT_DIR,
) -> LoadReport:
    """Replace every raw table `raw_<source><suffix>.<table>` with the landing zone's
    validated Parquet, all in one transaction.

    A table whose columns are unchanged is truncated and refilled (the staging views on it
    stay valid); one whose columns changed is dropped (with those views, which dbt
    recreates) and created again.
    """
    root = landing_dir / VALIDATED_DIR
    tables = source_tables(project_dir)
    report = LoadReport(database=connection.describe())
    pg = connection.connect()
    try:
        _warn_about_collation(pg, connection)
        with (
            duckdb.connect() as con,
            tempfile.TemporaryDirectory(prefix="feedback-pg-") as tmp,
            pg.cursor() as cur,
        ):
            for table in tables:
                folder = root / table.directory
                if not any(folder.glob("*.parquet")):
                    raise PostgresLoadError(
                        f"no validated Parquet for source {table.source}.{table.name} in"
                        f" {folder}: run `feedback ingest` first"
                    )
                relation = f"read_parquet({q(str(folder / '*.parquet'))}, union_by_name = true)"
                columns = [
                    (name, postgres_type(dtype))
                    for name, dtype, *_ in con.execute(
                        f"describe select * from {relation}"
                    ).fetchall()
                ]
                schema = table.raw_schema(schema_suffix)
                target = f"{_ident(schema)}.{_ident(table.name)}"
                _prepare_table(cur, schema, table.name, columns)
                csv_path = Path(tmp) / f"{schema}.{table.name}.csv"
                select = ", ".join(_ident(name) for name, _ in columns)
                con.execute(
                    f"copy (select {select} from {relation}) to {q(str(csv_path))}"
                    " (format csv, header false)"
                )
                with csv_path.open("rb") as data:
                    cur.copy_expert(
                        f"copy {target} ({select}) from stdin with (format csv, header false)",
                        data,
                    )
                csv_path.unlink()
                report.tables[f"{schema}.{table.name}"] = cur.rowcount
        pg.commit()
    except BaseException:
        pg.rollback()
        raise
    finally:
        pg.close()
    log.info(
        "Loaded %d rows into %d raw tables on %s",
        report.rows,
        len(report.tables),
        report.database,
    )
    return report


def _prepare_table(cur: Any, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
    """An empty `schema.table` with exactly these columns, in the current transaction."""
    target = f"{_ident(schema)}.{_ident(table)}"
    cur.execute(f"create schema if not exists {_ident(schema)}")
    cur.execute(
        "select attribute.attname, format_type(attribute.atttypid, attribute.atttypmod)"
        " from pg_catalog.pg_attribute as attribute"
        " where attribute.attrelid = to_regclass(%s) and attribute.attnum > 0"
        " and not attribute.attisdropped order by attribute.attnum",
        [target],
    )
    existing = [(name, dtype) for name, dtype in cur.fetchall()]
    if existing == columns:
        cur.execute(f"truncate table {target}")
        return
    cur.execute(f"drop table if exists {target} cascade")
    body = ", ".join(f"{_ident(name)} {dtype}" for name, dtype in columns)
    cur.execute(f"create table {target} ({body})")


def _warn_about_collation(pg: Any, connection: PostgresConnection) -> None:
    """Text sorts (and so ties broken by text) match DuckDB's only under a code-point
    collation: say so when the database has another."""
    with pg.cursor() as cur:
        cur.execute("select datcollate from pg_database where datname = current_database()")
        (collation,) = cur.fetchone()
    if collation not in BYTE_ORDER_COLLATIONS:
        log.warning(
            "Database %s has collation %s: text sorts differently from DuckDB's (create it"
            " with LC_COLLATE 'C' for the same order)",
            connection.describe(),
            collation,
        )
