"""The landing zone keeps deliveries unchanged, dated, with a manifest; repeats land nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

from ingest.landing import iter_deliveries, land_delivery, pending_deliveries
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
