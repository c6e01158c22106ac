"""Retention: delete deliveries (raw files and what was validated from them) older than the
council's retention period. Case exports carry personal data; the landing zone keeps them
only as long as the council's retention schedule allows (FEEDBACK_RETENTION_DAYS, default
six years). The next build no longer holds their rows unless a later delivery does."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from ingest.landing import VALIDATED_DIR, Delivery, iter_deliveries

ENV_RETENTION_DAYS = "FEEDBACK_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 6 * 365


def retention_days() -> int:
    return int(os.environ.get(ENV_RETENTION_DAYS) or DEFAULT_RETENTION_DAYS)


def expired_deliveries(
    landing_root: Path, older_than_days: int, now: dt.datetime | None = None
) -> list[Delivery]:
    """Deliveries received more than `older_than_days` days before `now`."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)
    return [d for d in iter_deliveries(landing_root) if _aware(d.received_at) < cutoff]


def purge_deliveries(
    landing_root: Path, older_than_days: int, now: dt.datetime | None = None
) -> list[str]:
    """Delete expired deliveries and their validated files; return their ids."""
    purged = []
    validated = landing_root / VALIDATED_DIR
    for delivery in expired_deliveries(landing_root, older_than_days, now):
        for path in validated.glob(f"*/{delivery.delivery_id}__*.parquet"):
            path.unlink()
        for table in ("rejected_rows", "ingest_file_stats"):
            (validated / table / f"{delivery.delivery_id}.parquet").unlink(missing_ok=True)
        shutil.rmtree(delivery.path)
        purged.append(delivery.delivery_id)
    return purged


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
