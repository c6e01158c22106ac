"""The landing zone keeps deliveries unchanged, dated, with a manifest; repeats land nothing."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import SMALL_DELIVERY, run_nightly

from ingest.landing import (
    LandingError,
    iter_deliveries,
    known_files,
    land_delivery,
    pending_deliveries,
)
from ingest.mapping import load_mapping
from ingest.run import ingest_pending

RECEIVED = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def make_drop(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def test_files_are_landed_unchanged_with_a_manifest(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfcase_ref,status\r\nC1,open\r\n"  # BOM and CRLF kept as delivered
    drop = make_drop(tmp_path / "drop", {"cases.csv": data, ".hidden": b"x"})
    result = land_delivery(drop, tmp_path / "landing", "folder:test", received_at=RECEIVED)
    delivery = result.delivery
    assert delivery is not None
    assert delivery.path.parent == tmp_path / "landing" / "2026-11-23"
    landed = delivery.raw_dir / "cases.csv"
    assert landed.read_bytes() == data
    assert not os.access(landed, os.W_OK) or os.geteuid() == 0  # root may write anyway
    assert stat.S_IMODE(landed.stat().st_mode) == 0o444
    manifest = delivery.manifest()
    assert manifest["files"] == [
        {
            "name": "cases.csv",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "row_count": None,
        }
    ]
    assert manifest["received_at"] == "2026-11-23T02:00:00+00:00"
    assert manifest["status"] == "landed"
    assert [d.delivery_id for d in pending_deliveries(tmp_path / "landing")] == [
        delivery.delivery_id
    ]


def test_row_counts_and_status_after_ingest(tmp_path: Path) -> None:
    drop = make_drop(tmp_path / "drop", {"case_reasons.csv": b"case_ref,reason\nC1,a\nC1,b\n"})
    landing = tmp_path / "landing"
    result = land_delivery(drop, landing, "folder:test", received_at=RECEIVED)
    ingest_pending(landing, load_mapping(), dt.date(2026, 11, 23))
    manifest = result.delivery.manifest()
    assert manifest["status"] == "ingested"
    assert manifest["files"][0]["row_count"] == 2
    assert pending_deliveries(landing) == []


def test_redelivering_identical_files_is_a_no_op(tmp_path: Path) -> None:
    files = {"cases.csv": b"case_ref\nC1\n", "case_reasons.csv": b"case_ref,reason\nC1,a\n"}
    landing = tmp_path / "landing"
    first = land_delivery(make_drop(tmp_path / "d1", files), landing, "t", received_at=RECEIVED)
    again = land_delivery(make_drop(tmp_path / "d2", files), landing, "t")
    assert again.delivery is None
    assert sorted(d["name"] for d in again.duplicates) == ["case_reasons.csv", "cases.csv"]
    assert {d["landed_in"] for d in again.duplicates} == {first.delivery.delivery_id}
    assert len(iter_deliveries(landing)) == 1


def test_only_new_files_of_a_partly_repeated_delivery_land(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land_delivery(
        make_drop(tmp_path / "d1", {"cases.csv": b"case_ref\nC1\n"}), landing, "t", RECEIVED
    )
    later = RECEIVED + dt.timedelta(days=1)
    second = land_delivery(
        make_drop(
            tmp_path / "d2", {"cases.csv": b"case_ref\nC1\n", "cases_2.csv": b"case_ref\nC2\n"}
        ),
        landing,
        "t",
        later,
    )
    assert second.landed == ["cases_2.csv"]
    assert [d["name"] for d in second.delivery.manifest()["duplicates_not_landed"]] == ["cases.csv"]
    assert [d.received_at for d in iter_deliveries(landing)] == [RECEIVED, later]


# Faults while landing: a full disk, a read-only landing folder, a run killed mid-copy. The
# faults are real file system errors where one can be had (a folder that is a file; a
# read-only folder when not root) and otherwise injected at the one call that writes the
# bytes (shutil.copyfileobj), after part of the file is written, as a full disk does.


def _copy_failing_on(monkeypatch, name: str, error: OSError, after_bytes: int = 100) -> list[str]:
    """Make the copy of `name` into the landing zone write `after_bytes`, then fail."""
    real = shutil.copyfileobj
    failed: list[str] = []

    def copyfileobj(source, target, length=0):
        if Path(getattr(target, "name", "")).name != f".{name}.part":
            return real(source, target, length)
        target.write(source.read(after_bytes))
        target.flush()
        failed.append(target.name)
        raise error

    monkeypatch.setattr(shutil, "copyfileobj", copyfileobj)
    return failed


def _landed_names(landing: Path) -> list[str]:
    """Every file under the dated delivery folders (temporary names included)."""
    return sorted(
        p.name for p in landing.glob("2*/**/*") if p.is_file() and p.name != "manifest.json"
    )


def _ingest_counts(landing: Path) -> tuple[int, int, int, list[str]]:
    report = ingest_pending(landing, load_mapping(), dt.date(2026, 11, 23)).as_dict()
    return (
        report["rows_read"],
        report["rows_accepted"],
        report["rows_rejected"],
        sorted(f["source_file"] for f in report["files"]),
    )


def test_disk_full_part_way_lands_nothing_and_a_rerun_lands_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    landing = tmp_path / "landing"
    failed = _copy_failing_on(
        monkeypatch, "cases.csv", OSError(errno.ENOSPC, "No space left on device")
    )
    with pytest.raises(LandingError) as raised:
        land_delivery(drop, landing, "folder:test", received_at=RECEIVED)
    assert failed, "the fault was not reached"
    message = str(raised.value)
    assert "cannot land cases.csv" in message
    assert str(landing) in message
    assert "the disk is full (No space left on device, ENOSPC)" in message
    assert "nothing of the delivery was landed" in message
    assert raised.value.errno == errno.ENOSPC
    # Neither the files copied before cases.csv nor a part of it, nor a manifest listing them.
    assert _landed_names(landing) == []
    assert iter_deliveries(landing) == []
    assert known_files(landing) == {}

    monkeypatch.undo()  # space freed
    again = land_delivery(drop, landing, "folder:test", received_at=RECEIVED)
    assert sorted(again.landed) == sorted(p.name for p in drop.iterdir())
    for name in again.landed:
        landed = again.delivery.raw_dir / name
        assert landed.read_bytes() == (drop / name).read_bytes()
    assert _landed_names(landing) == sorted(again.landed)  # no temporary files
    uninterrupted = tmp_path / "uninterrupted"
    land_delivery(SMALL_DELIVERY, uninterrupted, "folder:test", received_at=RECEIVED)
    expected = _ingest_counts(uninterrupted)
    assert expected[:3] == (51, 49, 2)
    assert _ingest_counts(landing) == expected


def test_disk_full_writing_the_manifest_lands_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.landing

    drop = make_drop(tmp_path / "drop", {"cases.csv": b"case_ref\nC1\n"})
    landing = tmp_path / "landing"

    def full(path: Path, text: str) -> None:
        (path.parent / f".{path.name}.tmp").write_text(text[:10])  # cut short
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ingest.landing, "_atomic_write", full)
    with pytest.raises(LandingError, match=r"cannot write the manifest of .* the disk is full"):
        land_delivery(drop, landing, "folder:test", received_at=RECEIVED)
    assert list(landing.glob("2*")) == []
    monkeypatch.undo()
    assert land_delivery(drop, landing, "folder:test").landed == ["cases.csv"]


def _landing_folder_writable_by_us(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"x")
    except OSError:
        return False
    probe.unlink()
    return True


def test_read_only_landing_folder_names_the_file_and_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    first = land_delivery(
        make_drop(tmp_path / "d1", {"cases.csv": b"case_ref\nC1\n"}), landing, "t", RECEIVED
    )
    drop = make_drop(tmp_path / "d2", {"cases_2.csv": b"case_ref\nC2\n" * 1000})
    landing.chmod(0o555)
    try:
        if _landing_folder_writable_by_us(landing):
            # Root writes through permissions: the landing folder's file system goes
            # read-only while the file is being copied (as ext4 does on an I/O error).
            _copy_failing_on(
                monkeypatch, "cases_2.csv", OSError(errno.EROFS, "Read-only file system")
            )
            expected = "read-only file system (Read-only file system, EROFS)"
        else:
            expected = "no permission to write in the landing folder (Permission denied, EACCES)"
        with pytest.raises(LandingError) as raised:
            land_delivery(drop, landing, "t", RECEIVED + dt.timedelta(days=1))
    finally:
        landing.chmod(0o755)
    message = str(raised.value)
    assert "cases_2.csv" in message and str(landing) in message
    assert expected in message
    assert [d.delivery_id for d in iter_deliveries(landing)] == [first.delivery.delivery_id]
    assert _landed_names(landing) == ["cases.csv"]
    monkeypatch.undo()
    assert land_delivery(drop, landing, "t").landed == ["cases_2.csv"]


def test_landing_folder_under_a_file_fails_clearly(tmp_path: Path) -> None:
    """A real error even for root: the landing folder's parent is a file."""
    (tmp_path / "data").write_text("not a folder")
    landing = tmp_path / "data" / "landing"
    drop = make_drop(tmp_path / "drop", {"cases.csv": b"case_ref\nC1\n"})
    with pytest.raises(LandingError) as raised:
        land_delivery(drop, landing, "t", RECEIVED)
    message = str(raised.value)
    assert message.startswith(f"cannot land cases.csv into the landing folder {landing}:")
    assert "is a file, not a folder (Not a directory, ENOTDIR)" in message


def test_a_landing_killed_mid_copy_is_ignored_then_cleaned_up(tmp_path: Path) -> None:
    """SIGKILL while a file is half copied: the folder left behind has no manifest, so
    nothing reads it; the next landing removes it and lands the files again."""
    drop = tmp_path / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    landing = tmp_path / "landing"
    script = f"""
import os, shutil, signal, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
real = shutil.copyfileobj
def copyfileobj(source, target, length=0):
    if Path(target.name).name == ".cases.csv.part":
        target.write(source.read(100))
        target.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return real(source, target, length)
shutil.copyfileobj = copyfileobj
import datetime as dt
from ingest.landing import land_delivery
received = dt.datetime.fromisoformat({RECEIVED.isoformat()!r})
land_delivery(Path({str(drop)!r}), Path({str(landing)!r}), "folder:test", received)
"""
    killed = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    left = _landed_names(landing)
    assert ".cases.csv.part" in left  # the half-written copy, under its temporary name
    assert "cases.csv" not in left
    assert iter_deliveries(landing) == [] and pending_deliveries(landing) == []

    (unfinished,) = landing.glob("2*/*")
    result = land_delivery(drop, landing, "folder:test", RECEIVED + dt.timedelta(hours=1))
    assert not unfinished.exists()
    assert sorted(result.landed) == sorted(p.name for p in drop.iterdir())
    assert _landed_names(landing) == sorted(result.landed)
    assert (result.delivery.raw_dir / "cases.csv").read_bytes() == (drop / "cases.csv").read_bytes()


@pytest.mark.e2e
def test_the_nightly_run_fails_with_the_landing_error_and_a_rerun_converges(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(SMALL_DELIVERY, drop)
    _copy_failing_on(monkeypatch, "cases.csv", OSError(errno.ENOSPC, "No space left on device"))
    failed = run_nightly(tmp_path, drop)
    assert failed.state.is_failed()
    assert "cannot land cases.csv into the landing folder" in failed.state.message
    assert "the disk is full" in failed.state.message
    assert not failed.warehouse.exists()  # stopped before ingest: nothing built or published
    assert _landed_names(failed.landing_dir) == []
    history = [
        json.loads(line)
        for line in (failed.warehouse.parent / "run_history.jsonl").read_text().splitlines()
    ]
    assert [r["status"] for r in history] == ["failed"]
    assert history[0]["message"].startswith("Landing failed: cannot land cases.csv")

    monkeypatch.undo()
    rerun = run_nightly(tmp_path, drop)
    assert rerun.state.is_completed(), rerun.state.message
    summary = rerun.summary
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (51, 49, 2)
    assert rerun.query("select status from marts.pipeline_runs order by started_at") == [
        ("failed",),
        ("completed",),
    ]
