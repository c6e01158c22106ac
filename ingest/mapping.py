"""Column mappings: how one case-management system's export files become canonical files.

A mapping YAML names, per canonical entity, the source file pattern(s), the source column of
each canonical column, value maps for enums, extra date formats and, for wide exports, a
multi-valued column to split into child rows. The canonical format is the identity mapping.
See `ingest/mappings/*.yml` for the identity mapping and a worked wide-export example.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.contract import ENTITIES

MAPPINGS_DIR = Path(__file__).parent / "mappings"
IDENTITY_MAPPING = MAPPINGS_DIR / "identity.yml"
SUPPORTED_SUFFIXES = (".csv", ".xlsx")


class MappingError(ValueError):
    """A mapping file is malformed; the message names the file and the offending key."""


@dataclass(frozen=True)
class SplitSpec:
    """Split one canonical column holding several values (e.g. `a; b`) into one row each."""

    column: str
    separator: str
    first_is_primary: bool = False


@dataclass(frozen=True)
class FileMapping:
    entity: str
    patterns: tuple[str, ...]
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    from_entity: str | None = None
    split: SplitSpec | None = None

    def matches(self, file_name: str) -> bool:
        name = file_name.lower()
        return name.endswith(SUPPORTED_SUFFIXES) and any(
            fnmatch.fnmatch(name, pattern.lower()) for pattern in self.patterns
        )


@dataclass(frozen=True)
class Mapping:
    name: str
    source: Path
    files: tuple[FileMapping, ...]

    def for_file(self, file_name: str) -> FileMapping | None:
        """The mapping of the entity read directly from this file, if any."""
        return next((f for f in self.files if f.from_entity is None and f.matches(file_name)), None)

    def derived_from(self, entity: str) -> list[FileMapping]:
        """Entities split out of another entity's source rows (wide exports)."""
        return [f for f in self.files if f.from_entity == entity]


def load_mapping(path: Path | None = None) -> Mapping:
    """Load and check a mapping YAML; `None` loads the identity mapping."""
    path = Path(path) if path else IDENTITY_MAPPING
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read mapping: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
        raise MappingError(f"{path}: a mapping needs a top-level 'files:' section")
    files = tuple(_file_mapping(path, entity, spec) for entity, spec in document["files"].items())
    return Mapping(name=str(document.get("name", path.stem)), source=path, files=files)


def _file_mapping(path: Path, entity: str, spec: Any) -> FileMapping:
    where = f"{path}: files.{entity}"
    if entity not in ENTITIES:
        raise MappingError(f"{where}: unknown entity (known: {', '.join(ENTITIES)})")
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: expected a mapping of settings")
    contract = ENTITIES[entity]
    columns = spec.get("columns") or {c: c for c in contract.column_names}
    if not isinstance(columns, dict):
        raise MappingError(f"{where}.columns: expected 'canonical_column: Source header' pairs")
    for canonical in columns:
        if canonical not in contract.column_names:
            raise MappingError(f"{where}.columns.{canonical}: not a column of {entity}")
    values = spec.get("values") or {}
    for canonical, value_map in values.items():
        if canonical not in contract.column_names or not isinstance(value_map, dict):
            raise MappingError(f"{where}.values.{canonical}: expected a value map of a column")
    from_entity = spec.get("from")
    if from_entity is not None and from_entity not in ENTITIES:
        raise MappingError(f"{where}.from: unknown entity {from_entity!r}")
    split = None
    if "split" in spec:
        split_spec = spec["split"] or {}
        if split_spec.get("column") not in contract.column_names or not split_spec.get("separator"):
            raise MappingError(f"{where}.split: needs 'column' (canonical) and 'separator'")
        split = SplitSpec(
            column=split_spec["column"],
            separator=str(split_spec["separator"]),
            first_is_primary=bool(split_spec.get("first_is_primary", False)),
        )
    if from_entity is not None and split is None:
        raise MappingError(f"{where}: an entity taken 'from' another file needs 'split'")
    patterns = spec.get("pattern") or spec.get("patterns")
    if from_entity is None and not patterns:
        raise MappingError(f"{where}: needs 'pattern' (a file-name glob)")
    if isinstance(patterns, str):
        patterns = [patterns]
    return FileMapping(
        entity=entity,
        patterns=tuple(patterns or ()),
        columns={str(k): str(v) for k, v in columns.items()},
        values={
            col: {str(src): str(dst) for src, dst in vmap.items()} for col, vmap in values.items()
        },
        date_formats=tuple(spec.get("date_formats") or ()),
        from_entity=from_entity,
        split=split,
    )
