"""Where things live: every location has a default, an environment variable and a CLI option."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

ENV_LANDING_DIR = "FEEDBACK_LANDING_DIR"
ENV_WAREHOUSE = "FEEDBACK_WAREHOUSE"
ENV_REPORTS_DIR = "FEEDBACK_REPORTS_DIR"
ENV_EXPORT_URL = "FEEDBACK_EXPORT_URL"
ENV_MAPPING = "FEEDBACK_MAPPING"
ENV_KEEP_BUILDS = "FEEDBACK_KEEP_BUILDS"
ENV_SUPPRESS_BELOW = "FEEDBACK_SUPPRESS_BELOW"
ENV_DBT_TARGET = "FEEDBACK_DBT_TARGET"
ENV_PUBLISH_POSTGRES = "FEEDBACK_PUBLISH_POSTGRES"
ENV_DUCKDB_MEMORY_LIMIT = "FEEDBACK_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"  # the same default as profiles.yml's


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for building and publishing the warehouse (beyond it, spill)."""
    return os.environ.get(ENV_DUCKDB_MEMORY_LIMIT, "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    reports_dir: Path
    mapping: Path | None = None
    keep_builds: int = 3
    # Small-number suppression of the published files (counts below this shown as "<N>");
    # None: the files carry exact figures.
    suppress_below: int | None = None

    @classmethod
    def resolve(
        cls,
        landing_dir: str | Path | None = None,
        warehouse: str | Path | None = None,
        reports_dir: str | Path | None = None,
        mapping: str | Path | None = None,
        keep_builds: int | None = None,
        suppress_below: int | None = None,
    ) -> Settings:
        """Option, else environment variable, else the default (relative to the cwd)."""

        def pick(option: str | Path | None, env: str, default: str | None) -> Path | None:
            value = option or os.environ.get(env) or default
            return Path(value).expanduser().resolve() if value else None

        return cls(
            landing_dir=pick(landing_dir, ENV_LANDING_DIR, "data/landing"),
            warehouse=pick(warehouse, ENV_WAREHOUSE, "warehouse/feedback.duckdb"),
            reports_dir=pick(reports_dir, ENV_REPORTS_DIR, "reports"),
            mapping=pick(mapping, ENV_MAPPING, None),
            keep_builds=keep_builds or int(os.environ.get(ENV_KEEP_BUILDS) or 3),
            suppress_below=suppress_below or _positive_int(ENV_SUPPRESS_BELOW),
        )

    def dbt_environment(self) -> dict[str, str]:
        """Environment variables that profiles.yml and the dbt sources read."""
        return {ENV_WAREHOUSE: str(self.warehouse), ENV_LANDING_DIR: str(self.landing_dir)}


def _positive_int(env: str) -> int | None:
    """An environment variable holding a whole number of 1 or more, or None when unset."""
    text = os.environ.get(env, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{env} must be a whole number of 1 or more, not {text!r}")
    return int(text)
