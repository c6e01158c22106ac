"""Storage faults during ingest, on real small file systems: a full disk or a read-only folder
under the validated root stops ingest with a clear error, leaves nothing of the delivery taken
as ingested, and a rerun once there is room converges to an uninterrupted ingest.

The faults are real: a tmpfs of a few pages is mounted over the folder ingest writes to
(the kernel answers ENOSPC or EROFS, DuckDB reports it). Mounting needs root (or
CAP_SYS_ADMIN), as CI has; elsewhere the tests are skipped unless FEEDBACK_REQUIRE_MOUNT=1.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import SMALL_DELIVERY, run_nightly

from demo.generator import generate
from ingest.landing import VALIDATED_DIR, land_delivery, pending_deliveries
from ingest.mapping import load_mapping
from ingest.run import IngestStorageError, ingest_pending

AS_OF = dt.date(2026, 11, 23)

Mount = Callable[..., Path]


@pytest.fixture
def tmpfs() -> Iterator[Mount]:
    """mount(folder, size="64k", read_only=False): a small tmpfs over `folder`, unmounted after."""
    mounted: list[Path] = []

    def mount(folder: Path, size: str = "64k", read_only: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
            if os.environ.get("FEEDBACK_REQUIRE_MOUNT") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path, leave_free: int = 32 * 1024) -> None:
    """Write to `folder` until its file system is full, then free `leave_free` bytes: room to
    rewrite the small empty tables, not the delivery's rows."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        try:
            while handle.write(b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, filler.stat().st_size - leave_free)


def ingest(landing: Path) -> dict:
    return ingest_pending(landing, load_mapping(), AS_OF).as_dict()


def outcome_counts(report: dict) -> list[tuple]:
    return sorted(
        (f["source_file"], f["entity"], f["status"], f["rows_read"], f["rows_accepted"])
        for f in report["files"]
    )


def outputs_of(landing: Path, delivery_id: str) -> list[str]:
    return sorted(
        str(p.relative_to(landing))
        for p in (landing / VALIDATED_DIR).rglob("*.parquet")
        if p.name.startswith(delivery_id)
    )


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """A demo delivery of about 3,000 rows: its cases file is far larger than the room left."""
    generate(tmp_path / "drop", scale=0.02)
    return tmp_path / "drop"


@pytest.fixture
def reference(tmp_path: Path, drop: Path) -> dict:
    """An uninterrupted ingest of the same delivery."""
    landing = tmp_path / "reference"
    land_delivery(drop, landing, source="test")
    return ingest(landing)


def test_a_full_disk_during_ingest_keeps_the_delivery_pending_and_a_rerun_converges(
    tmp_path: Path, tmpfs: Mount, drop: Path, reference: dict
) -> None:
    landing = tmp_path / "landing"
    cases_dir = tmpfs(landing / VALIDATED_DIR / "cases")
    ingest(landing)  # nothing pending: writes the empty tables (they fit)
    fill(cases_dir)
    delivery = land_delivery(drop, landing, source="test").delivery
    assert delivery is not None

    with pytest.raises(IngestStorageError) as failure:
        ingest(landing)
    message = str(failure.value)
    assert message.startswith("cases.csv: cannot be ingested (landing folder ")
    assert "the disk is full (No space left on device, ENOSPC)" in message
    assert f"nothing of delivery {delivery.delivery_id} is taken as ingested" in message
    assert failure.value.errno == errno.ENOSPC
    # Nothing of the delivery is taken as ingested: no output of it, its manifest still
    # 'landed', its raw files as delivered.
    assert outputs_of(landing, delivery.delivery_id) == []
    assert [d.delivery_id for d in pending_deliveries(landing)] == [delivery.delivery_id]
    for raw in delivery.raw_dir.iterdir():
        assert raw.read_bytes() == (drop / raw.name).read_bytes()

    unmount(cases_dir)
    rerun = ingest(landing)
    assert rerun["deliveries"] == [delivery.delivery_id]
    assert outcome_counts(rerun) == outcome_counts(reference)
    assert (rerun["rows_read"], rerun["rows_accepted"], rerun["rows_rejected"]) == (
        reference["rows_read"],
        reference["rows_accepted"],
        reference["rows_rejected"],
    )
    assert rerun["rows_read"] == rerun["rows_accepted"] + rerun["rows_rejected"] > 0
    assert pending_deliveries(landing) == []


def test_a_read_only_validated_folder_stops_ingest_before_any_delivery(
    tmp_path: Path, tmpfs: Mount
) -> None:
    landing = tmp_path / "landing"
    delivery = land_delivery(SMALL_DELIVERY, landing, source="test").delivery
    assert delivery is not None
    tmpfs(landing / VALIDATED_DIR, read_only=True)

    with pytest.raises(IngestStorageError) as failure:
        ingest(landing)
    message = str(failure.value)
    assert message.startswith(f"cannot write the empty tables into the landing folder {landing}")
    assert "Read-only file system" in message and "EROFS" in message
    assert [d.delivery_id for d in pending_deliveries(landing)] == [delivery.delivery_id]


@pytest.mark.e2e
def test_the_nightly_run_fails_on_a_full_disk_during_ingest_and_a_rerun_converges(
    prefect_harness: None, tmp_path: Path, tmpfs: Mount, drop: Path, reference: dict
) -> None:
    landing = tmp_path / "landing"  # where run_nightly lands
    cases_dir = tmpfs(landing / VALIDATED_DIR / "cases")
    ingest(landing)
    fill(cases_dir)

    failed = run_nightly(tmp_path, drop)
    assert failed.state.is_failed()
    assert "cases.csv: cannot be ingested" in failed.state.message
    assert "the disk is full" in failed.state.message
    assert not failed.warehouse.exists()  # stopped before dbt: nothing built or published
    history_file = failed.warehouse.parent / "run_history.jsonl"
    history = [json.loads(line) for line in history_file.read_text().splitlines()]
    assert [r["status"] for r in history] == ["failed"]
    assert history[0]["message"].startswith("Ingest failed: cases.csv: cannot be ingested")

    unmount(cases_dir)
    rerun = run_nightly(tmp_path, drop)  # the delivery is landed already: it is ingested now
    assert rerun.state.is_completed(), rerun.state.message
    summary = rerun.summary
    assert (summary["rows_read"], summary["rows_rejected"]) == (
        reference["rows_read"],
        reference["rows_rejected"],
    )
