"""The landing zone: every delivery kept unchanged, dated, with a manifest.

Layout::

    <landing>/<YYYY-MM-DD>/<delivery_id>/raw/<file>      the files exactly as delivered (read-only)
    <landing>/<YYYY-MM-DD>/<delivery_id>/manifest.json   name, size, sha256, row count, received at
    <landing>/_validated/<entity>/*.parquet             what ingest accepted (derived, rebuildable)

A file whose sha256 is already in any manifest is a re-delivery and is not landed again; a
delivery with nothing new lands nothing. A delivery is `landed` until ingest has validated it,
then `ingested`; a run picks up every delivery still `landed` (so a crashed run resumes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
VALIDATED_DIR = "_validated"


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    path: Path
    received_at: dt.datetime
    source: str

    @property
    def raw_dir(self) -> Path:
        return self.path / "raw"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_write(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class LandingResult:
    delivery: Delivery | None
    landed: list[str]
    duplicates: list[dict[str, str]]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def iter_deliveries(landing_root: Path) -> list[Delivery]:
    """All deliveries in the landing zone, oldest first."""
    deliveries = []
    for manifest_path in sorted(landing_root.glob(f"*/*/{MANIFEST}")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        deliveries.append(
            Delivery(
                delivery_id=manifest["delivery_id"],
                path=manifest_path.parent,
                received_at=dt.datetime.fromisoformat(manifest["received_at"]),
                source=manifest.get("source", ""),
            )
        )
    return sorted(deliveries, key=lambda d: (d.received_at, d.delivery_id))


def known_files(landing_root: Path) -> dict[str, str]:
    """sha256 -> delivery id, for every file already landed."""
    known: dict[str, str] = {}
    for delivery in iter_deliveries(landing_root):
        for entry in delivery.manifest().get("files", []):
            known.setdefault(entry["sha256"], delivery.delivery_id)
    return known


def land_delivery(
    source_dir: Path,
    landing_root: Path,
    source: str,
    received_at: dt.datetime | None = None,
) -> LandingResult:
    """Copy the new files of `source_dir` unchanged into a new dated delivery folder."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise FileNotFoundError(f"delivery folder {source_dir} does not exist")
    received_at = (received_at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    files = sorted(
        p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    )
    known = known_files(landing_root)
    new: list[tuple[Path, str]] = []
    duplicates: list[dict[str, str]] = []
    for path in files:
        digest = sha256_of(path)
        if digest in known:
            duplicates.append({"name": path.name, "sha256": digest, "landed_in": known[digest]})
        else:
            new.append((path, digest))
            known[digest] = "(this delivery)"
    if not new:
        return LandingResult(None, [], duplicates)
    batch_hash = hashlib.sha256("".join(d for _, d in new).encode()).hexdigest()[:8]
    delivery_id = f"{received_at:%Y%m%dT%H%M%SZ}-{batch_hash}"
    delivery = Delivery(
        delivery_id=delivery_id,
        path=landing_root / f"{received_at:%Y-%m-%d}" / delivery_id,
        received_at=received_at,
        source=source,
    )
    delivery.raw_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for path, digest in new:
        target = delivery.raw_dir / path.name
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(path, tmp)
        if sha256_of(tmp) != digest:
            tmp.unlink()
            raise OSError(f"{path}: changed while it was being copied into the landing zone")
        os.replace(tmp, target)
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        entries.append(
            {"name": path.name, "size": target.stat().st_size, "sha256": digest, "row_count": None}
        )
    delivery.write_manifest(
        {
            "delivery_id": delivery_id,
            "received_at": received_at.isoformat(),
            "source": source,
            "status": "landed",
            "files": entries,
            "duplicates_not_landed": duplicates,
        }
    )
    return LandingResult(delivery, [p.name for p, _ in new], duplicates)


def pending_deliveries(landing_root: Path) -> list[Delivery]:
    """Deliveries landed but not yet ingested (oldest first)."""
    return [d for d in iter_deliveries(landing_root) if d.manifest().get("status") != "ingested"]


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
