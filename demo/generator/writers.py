"""Streaming CSV writers for a delivery in the canonical format (columns from the contract)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO

from ingest.contract import ENTITIES

FILES = {name: f"{name}.csv" for name in ENTITIES}


class DeliveryWriter:
    """One open CSV per canonical file; rows go straight to disk (nothing is kept)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, csv._writer] = {}  # type: ignore[name-defined]
        self.counts: dict[str, int] = {}

    def __enter__(self) -> DeliveryWriter:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for entity, file_name in FILES.items():
            self._open(entity, self.out_dir / file_name, ENTITIES[entity].column_names)
        return self

    def _open(self, key: str, path: Path, header: tuple[str, ...]) -> None:
        handle = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._handles[key] = handle
        self._writers[key] = csv.writer(handle, lineterminator="\n")
        self._writers[key].writerow(header)
        self.counts[key] = 0

    def extra_file(self, key: str, file_name: str, header: tuple[str, ...]) -> None:
        self._open(key, self.out_dir / file_name, header)

    def write(self, entity: str, row: list) -> None:
        self._writers[entity].writerow(row)
        self.counts[entity] += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for handle in self._handles.values():
            handle.close()
