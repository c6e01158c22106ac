"""Run dbt in-process through its Python API (dbtRunner), forwarding its log to a logger."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flows.settings import ENV_DUCKDB_MEMORY_LIMIT, PROJECT_DIR, Settings, duckdb_memory_limit

if TYPE_CHECKING:
    from ingest.postgres_load import PostgresConnection


class DbtBuildError(RuntimeError):
    """dbt failed: a model errored or a test of severity error failed."""


@dataclass
class DbtSummary:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # Why dbt parsed the whole project instead of only what changed (None: partial parse).
    full_parse_reason: str | None = None

    @property
    def models_built(self) -> int:
        return self.counts.get("model:success", 0)

    @property
    def tests_passed(self) -> int:
        return self.counts.get("test:pass", 0)

    def failure_message(self) -> str:
        """What failed, with the setting to raise when DuckDB ran out of its memory cap."""
        message = f"dbt {self.command} failed: " + "; ".join(self.failures)
        if "Out of Memory Error" in message:
            message = (
                f"DuckDB ran out of its {duckdb_memory_limit()} memory cap: raise"
                f" {ENV_DUCKDB_MEMORY_LIMIT} (e.g. 4GB for ten million cases). {message}"
            )
        return message

    def as_dict(self) -> dict:
        return {
            "command": self.command,
            "success": self.success,
            "models_built": self.models_built,
            "tests_passed": self.tests_passed,
            "counts": self.counts,
            "failures": self.failures,
            "full_parse_reason": self.full_parse_reason,
        }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    Without this the warehouse stays open with dbt's configuration and the publish step
    (or a BI tool) cannot open it afterwards in the same process.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def run_dbt(
    settings: Settings,
    command: str | list[str] = "build",
    extra_args: list[str] | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    postgres: PostgresConnection | None = None,
) -> DbtSummary:
    """Run `dbt <command>` (e.g. "build", or ["docs", "generate"]) on the project against the
    settings' warehouse and landing zone, or with `postgres`, against that Postgres database
    (`--target postgres`; the password reaches dbt as a secret it scrubs from its logs)."""
    from dbt.cli.main import dbtRunner

    log = logger or logging.getLogger(__name__)
    full_parse: list[str] = []

    def forward(event) -> None:  # dbt's own log lines, at info level and above
        if event.info.name in ("UnableToPartialParse", "PartialParsingNotEnabled"):
            full_parse.append(getattr(event.data, "reason", "") or event.info.name)
        level = getattr(event.info, "level", "debug")
        if level in ("info", "warn", "error") and event.info.msg:
            log.log(logging.getLevelName(level.upper().replace("WARN", "WARNING")), event.info.msg)

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    words = [command] if isinstance(command, str) else list(command)
    environment = settings.dbt_environment()
    if postgres is not None:
        environment.update(postgres.dbt_environment())
    args = [
        *words,
        "--target",
        "duckdb" if postgres is None else "postgres",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--quiet",
        *(extra_args or []),
    ]
    with _environment(environment):
        try:
            result = dbtRunner(callbacks=[forward]).invoke(args)
        finally:
            _release_duckdb()
    summary = DbtSummary(
        command=" ".join(words),
        success=bool(result.success),
        full_parse_reason="; ".join(full_parse) or None,
    )
    if result.exception is not None:
        raise DbtBuildError(f"dbt {summary.command} could not run: {result.exception}")
    counts: Counter[str] = Counter()
    for node_result in getattr(result.result, "results", None) or []:
        resource = getattr(node_result.node, "resource_type", "node")
        status = str(node_result.status)
        counts[f"{resource}:{status}"] += 1
        if status in ("error", "fail"):
            summary.failures.append(f"{node_result.node.name}: {node_result.message}")
    summary.counts = dict(sorted(counts.items()))
    return summary
