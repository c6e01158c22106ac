"""Helpers shared by the tests: run the nightly flow into a folder and query the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_DELIVERY = FIXTURES / "delivery_small"


@dataclass
class Run:
    root: Path
    landing_dir: Path
    warehouse: Path
    reports_dir: Path
    state: Any

    @property
    def summary(self) -> dict[str, Any]:
        return self.state.result(raise_on_failure=False)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def run_nightly(root: Path, source_dir: Path | None = None, **kwargs: Any) -> Run:
    """Run the nightly flow with every location under `root`."""
    from flows.nightly import nightly

    run = Run(root, root / "landing", root / "warehouse" / "w.duckdb", root / "reports", None)
    run.state = nightly(
        source_dir=str(source_dir) if source_dir else None,
        landing_dir=str(run.landing_dir),
        warehouse=str(run.warehouse),
        reports_dir=str(run.reports_dir),
        return_state=True,
        **kwargs,
    )
    return run
