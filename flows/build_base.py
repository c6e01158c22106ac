"""What a night's build starts from: a copy of the last published build, so that dbt's
incremental case models rebuild only the cases that changed, or an empty file.

A build starts from the last published one only when that gives the same tables as a build
from scratch:

- the same dbt project (models, macros, seeds, tests, dbt_project.yml, profiles.yml), dbt
  vars and versions of dbt-core, dbt-duckdb and DuckDB built it (one fingerprint);
- every validated case file it read (cases and their reasons, actions, payments and
  profiles) is still in the landing zone, unchanged: deliveries are only ever added, and
  a purge (or anything else that removes or rewrites one) means a full build;
- its file is still kept under `builds/`.

Otherwise, or when asked for (`feedback run --full-refresh`, FEEDBACK_FULL_REFRESH=1),
the build starts empty and everything is built. `builds/last_published.json` records the
published build, its fingerprint and the case files it read; a rollback removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from flows.settings import PROJECT_DIR
from ingest.landing import VALIDATED_DIR

ENV_FULL_REFRESH = "FEEDBACK_FULL_REFRESH"
STATE_FILE = "last_published.json"
# What dbt builds from: a change to any of these makes every table be built again.
PROJECT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml", "profiles.yml")
VERSIONED_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
# The entities the incremental models read (stg_cases__cases and the case details of
# fct_case_reasons, fct_case_actions, fct_payments and fct_complainant_profiles).
INCREMENTAL_ENTITIES = (
    "cases",
    "case_reasons",
    "case_actions",
    "case_payments",
    "complainant_profile",
)


@dataclass(frozen=True)
class BuildBase:
    """The build to start from (None: start empty) and why."""

    base_build_id: str | None
    reason: str
    fingerprint: str
    case_files: dict[str, list[int]] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "incremental" if self.base_build_id else "full"

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "base_build_id": self.base_build_id, "reason": self.reason}


def project_fingerprint(dbt_vars: dict[str, Any] | None, project_dir: Path = PROJECT_DIR) -> str:
    """A digest of everything dbt builds from except the data."""
    digest = hashlib.sha256()
    for name in PROJECT_INPUTS:
        root = project_dir / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    digest.update(json.dumps(dbt_vars or {}, sort_keys=True, default=str).encode())
    for package in VERSIONED_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()


def case_files(landing_dir: Path) -> dict[str, list[int]]:
    """The validated files the incremental models read: relative path -> [size, mtime_ns].
    (Files named `_*`, the empty typed schemas ingest rewrites, hold no rows.)"""
    found: dict[str, list[int]] = {}
    for entity in INCREMENTAL_ENTITIES:
        folder = landing_dir / VALIDATED_DIR / entity
        for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
            if not path.name.startswith("_"):
                stat = path.stat()
                found[f"{entity}/{path.name}"] = [stat.st_size, stat.st_mtime_ns]
    return found


def state_path(builds_dir: Path) -> Path:
    return builds_dir / STATE_FILE


def choose_base(
    builds_dir: Path,
    landing_dir: Path,
    dbt_vars: dict[str, Any] | None,
    full_refresh: bool = False,
) -> BuildBase:
    """The last published build when tonight's build may start from it, else None."""
    fingerprint = project_fingerprint(dbt_vars)
    files = case_files(landing_dir)

    def full(reason: str) -> BuildBase:
        return BuildBase(None, reason, fingerprint, files)

    if full_refresh or os.environ.get(ENV_FULL_REFRESH, "").strip() in ("1", "true", "yes"):
        return full("a full build was asked for")
    try:
        state = json.loads(state_path(builds_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return full("no published build to start from")
    except (OSError, ValueError) as exc:
        return full(f"the record of the last published build cannot be read ({exc})")
    base_id = state.get("build_id")
    if not base_id or not (builds_dir / f"{base_id}.duckdb").exists():
        return full(f"the last published build {base_id} is no longer kept")
    if state.get("fingerprint") != fingerprint:
        return full("the dbt project, its vars or the dbt/DuckDB versions changed")
    changed = sorted(
        name for name, stat in (state.get("case_files") or {}).items() if files.get(name) != stat
    )
    if changed:
        return full(
            f"{len(changed)} validated case file(s) of the last build were removed or"
            f" rewritten (e.g. {changed[0]})"
        )
    return BuildBase(
        base_id, f"{len(files) - len(state['case_files'])} new case file(s)", fingerprint, files
    )


def record_published(builds_dir: Path, build_id: str, base: BuildBase) -> None:
    """Remember `build_id` (just published) as the next build's starting point."""
    state = {"build_id": build_id, "fingerprint": base.fingerprint, "case_files": base.case_files}
    path = state_path(builds_dir)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def forget_published(builds_dir: Path) -> None:
    """After a rollback: the next build starts empty."""
    state_path(builds_dir).unlink(missing_ok=True)
