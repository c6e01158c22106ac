"""Shared fixtures: one Prefect test server per session, the small fixture warehouse, and a
real PostgreSQL server with a fresh database per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from support import SMALL_DELIVERY, Run, run_nightly

from ingest.postgres_load import ENV_PASSWORD, PostgresConnection, PostgresUnavailableError

ENV_REQUIRE_POSTGRES = "FEEDBACK_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def small_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The nightly flow run once on the hand-made fixture delivery."""
    root = tmp_path_factory.mktemp("small")
    source = root / "drop"
    shutil.copytree(SMALL_DELIVERY, source)
    return run_nightly(root, source)


# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresConnection]:
    """The configured server (FEEDBACK_POSTGRES_*, default postgres@127.0.0.1:5432), or a
    skip (a failure with FEEDBACK_REQUIRE_POSTGRES=1). Its password is a planted secret when
    none is configured: the tests look for it in logs; a trust-auth server ignores it."""
    server = PostgresConnection.from_environment()
    try:
        server.connect("postgres", connect_timeout=5).close()
    except PostgresUnavailableError as exc:
        if os.environ.get(ENV_REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{ENV_REQUIRE_POSTGRES}=1 but no PostgreSQL server is usable: {exc}")
        pytest.skip(
            f"no PostgreSQL server reachable ({exc}); set FEEDBACK_POSTGRES_HOST/_PORT/_USER/"
            f"_PASSWORD to run these tests ({ENV_REQUIRE_POSTGRES}=1 makes this a failure)"
        )
    if not server.password:
        server = replace(server, password=f"not-logged-{uuid.uuid4().hex}")
    yield server


@pytest.fixture
def pg_database(
    pg_server: PostgresConnection, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PostgresConnection]:
    """A fresh database with a unique name, dropped afterwards; the FEEDBACK_POSTGRES_*
    variables point at it."""
    name = f"feedback_test_{uuid.uuid4().hex[:12]}"
    _create_database(pg_server, name)
    connection = replace(pg_server, dbname=name)
    for key, value in connection.dbt_environment().items():
        if key.startswith("FEEDBACK_POSTGRES_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv(ENV_PASSWORD, connection.password)
    try:
        yield connection
    finally:
        _drop_database(pg_server, name)


def _create_database(server: PostgresConnection, name: str) -> None:
    admin = server.connect("postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            try:  # text ordered by code point, as on DuckDB, with Unicode lower()
                cur.execute(
                    f"create database \"{name}\" template template0 encoding 'UTF8'"
                    " lc_collate 'C' lc_ctype 'C.UTF-8'"
                )
            except Exception:  # a server without the C.UTF-8 locale
                cur.execute(
                    f"create database \"{name}\" template template0 encoding 'UTF8'"
                    " lc_collate 'C' lc_ctype 'C'"
                )
    finally:
        admin.close()


def _drop_database(server: PostgresConnection, name: str) -> None:
    admin = server.connect("postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
    finally:
        admin.close()
