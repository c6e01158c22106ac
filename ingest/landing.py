"""The landing zone: every delivery kept unchanged, dated, with a manifest.

Layout::

    <landing>/<YYYY-MM-DD>/<delivery_id>/raw/<file>      the files exactly as delivered (read-only)
    <landing>/<YYYY-MM-DD>/<delivery_id>/manifest.json   name, size, sha256, row count, received at
    <landing>/_validated/<entity>/*.parquet             what ingest accepted (derived, rebuildable)

A file whose sha256 is already in any manifest is a re-delivery and is not landed again; a
delivery with nothing new lands nothing. A delivery is `landed` until ingest has validated it,
then `ingested`; a run picks up every delivery still `landed` (so a crashed run resumes).

A delivery exists only once its manifest does, and the manifest is written last: each file is
copied to a hidden temporary name (`.<file>.part`), flushed to disk, checked against its
sha256 and only then renamed to its own name; the manifest is written the same way. When
anything fails (a full disk, a read-only folder) `LandingError` names the file, the landing
folder and the cause, and the delivery folder is removed, so nothing of it is taken as
landed; a delivery folder without a manifest (a run killed while copying) is removed by the
next landing, which lands those files again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MANIFEST = "manifest.json"
VALIDATED_DIR = "_validated"
LANDING_LOCK = ".landing.lock"
COPY_CHUNK_BYTES = 1 << 20
DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
DELIVERY_DIR = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")

# What an operator should make of the commonest write failures.
_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the landing folder is on a read-only file system",
    errno.EACCES: "no permission to write in the landing folder",
    errno.EPERM: "no permission to write in the landing folder",
    errno.ENOTDIR: "a part of the landing folder's path is a file, not a folder",
}


class LandingError(OSError):
    """A delivery could not be landed; nothing of it is in the landing zone."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


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
    """Copy the new files of `source_dir` unchanged into a new dated delivery folder.

    Raises LandingError (naming the file, the landing folder and the cause) when a file
    cannot be written; the delivery is then not landed at all.
    """
    source_dir = Path(source_dir)
    landing_root = Path(landing_root)
    if not source_dir.is_dir():
        raise FileNotFoundError(f"delivery folder {source_dir} does not exist")
    received_at = (received_at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    files = sorted(
        p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    )
    names = ", ".join(p.name for p in files) or "nothing"
    try:
        landing_root.mkdir(parents=True, exist_ok=True)
        lock = _landing_lock(landing_root)
    except OSError as exc:
        raise _landing_error(f"cannot land {names}", landing_root, exc) from exc
    with lock:
        try:
            remove_unfinished_deliveries(landing_root)
        except OSError as exc:
            what = f"cannot land {names}: an unfinished delivery folder cannot be removed"
            raise _landing_error(what, landing_root, exc) from exc
        return _land(files, landing_root, source, received_at)


def _land(
    files: list[Path], landing_root: Path, source: str, received_at: dt.datetime
) -> LandingResult:
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
    entries = []
    current = new[0][0].name
    try:
        delivery.raw_dir.mkdir(parents=True, exist_ok=True)
        for path, digest in new:
            current = path.name
            target = delivery.raw_dir / path.name
            _copy_file(path, target, digest)
            entries.append(
                {
                    "name": path.name,
                    "size": target.stat().st_size,
                    "sha256": digest,
                    "row_count": None,
                }
            )
        current = MANIFEST
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
    except OSError as exc:
        removed = _remove_delivery_folder(delivery.path)
        what = (
            f"cannot write the manifest of delivery {delivery_id}"
            if current == MANIFEST
            else f"cannot land {current}"
        )
        outcome = (
            "nothing of the delivery was landed"
            if removed
            else f"the unfinished folder {delivery.path} is removed by the next run"
        )
        raise _landing_error(what, landing_root, exc, outcome) from exc
    return LandingResult(delivery, [p.name for p, _ in new], duplicates)


def _copy_file(source: Path, target: Path, digest: str) -> None:
    """Copy under a temporary name, flush it to disk, check its sha256, rename it."""
    tmp = target.with_name(f".{target.name}.part")
    try:
        with source.open("rb") as reader, tmp.open("wb") as writer:
            shutil.copyfileobj(reader, writer, COPY_CHUNK_BYTES)
            writer.flush()
            os.fsync(writer.fileno())
        if sha256_of(tmp) != digest:
            raise LandingError(
                errno.EIO, f"{source}: changed while it was being copied into the landing zone"
            )
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):  # when it cannot be removed, the next run removes it
            tmp.unlink(missing_ok=True)
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    _fsync_dir(target.parent)


def remove_unfinished_deliveries(landing_root: Path) -> list[Path]:
    """Remove delivery folders that have no manifest (a landing killed part-way)."""
    removed = []
    for day in sorted(landing_root.iterdir()) if landing_root.is_dir() else []:
        if not (day.is_dir() and DATE_DIR.fullmatch(day.name)):
            continue
        for folder in sorted(day.iterdir()):
            unfinished = not (folder / MANIFEST).exists()
            if folder.is_dir() and DELIVERY_DIR.fullmatch(folder.name) and unfinished:
                shutil.rmtree(folder)
                removed.append(folder)
        if not any(day.iterdir()):
            day.rmdir()
    return removed


def _landing_lock(landing_root: Path) -> IO[str]:
    """One landing at a time per landing zone (another waits), so that removing unfinished
    folders never touches a delivery being landed. Closing the file releases the lock."""
    handle = (landing_root / LANDING_LOCK).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError:
        handle.close()
        raise
    return handle


def _remove_delivery_folder(path: Path) -> bool:
    """True when the folder is gone (its date folder too, when empty)."""
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):  # other deliveries that day, or it cannot be removed
        path.parent.rmdir()
    return not path.exists()


def describe_os_error(exc: OSError, folder: Path | None = None) -> str:
    """What went wrong, in words first: 'the disk is full (No space left on device, ENOSPC)'.
    The file the error names is added unless it is inside `folder` (named already)."""
    if isinstance(exc, LandingError):
        return str(exc)
    reason = exc.strerror or str(exc)
    code = errno.errorcode.get(exc.errno or 0)
    cause = _CAUSES.get(exc.errno or 0)
    if cause:
        reason = f"{cause} ({reason}, {code})"
    elif code:
        reason = f"{reason} ({code})"
    if exc.filename and (folder is None or str(folder) not in str(exc.filename)):
        reason = f"{reason}: {exc.filename}"
    return reason


def _landing_error(
    what: str, landing_root: Path, exc: OSError, outcome: str | None = None
) -> LandingError:
    message = (
        f"{what} into the landing folder {landing_root}: {describe_os_error(exc, landing_root)}"
    )
    if outcome:
        message = f"{message}; {outcome}"
    return LandingError(exc.errno, message)


def pending_deliveries(landing_root: Path) -> list[Delivery]:
    """Deliveries landed but not yet ingested (oldest first)."""
    return [d for d in iter_deliveries(landing_root) if d.manifest().get("status") != "ingested"]


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary name, flush it to disk, rename: never a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
