"""`generate`: plan, then stream a delivery in the canonical format into a folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from demo.generator.bad_rows import BAD_ROWS_FILE, bad_rows
from demo.generator.plan import build_plan
from demo.generator.render import Renderer
from demo.generator.targets import TARGETS_CSV, Targets
from demo.generator.workdays import WorkingCalendar
from demo.generator.writers import FILES, DeliveryWriter
from ingest.contract import CASES

DEFAULT_SEED = 2024


def generate(
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
    bad_rows_file: bool = False,
    targets_csv: Path = TARGETS_CSV,
) -> dict[str, int]:
    """Write a demo delivery (five financial years, 2020/21 to 30 September 2024) into `out_dir`.

    At scale 1 the pipeline reproduces Kent County Council's 2023/24 published figures (see
    `demo/published_deviations.csv` for the ones the report itself gets wrong); `scale`
    multiplies every volume and keeps the shares. Same seed and scale, same bytes.
    Returns the number of data rows written per file name.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    targets = Targets.load(targets_csv).scaled(scale)
    plan = build_plan(targets, seed)
    if progress:
        progress(f"planned {sum(plan.complaint_cells.values()):,} complaint records")
    with DeliveryWriter(out_dir) as out:
        if bad_rows_file:
            out.extra_file("bad_rows", BAD_ROWS_FILE, CASES.column_names)
            for row in bad_rows():
                out.write("bad_rows", row)
        Renderer(plan, seed, out, WorkingCalendar(), progress).run()
        counts = {FILES.get(k, BAD_ROWS_FILE): n for k, n in out.counts.items()}
    if progress:
        progress(f"wrote {sum(counts.values()):,} rows in {time.perf_counter() - started:.1f} s")
    for note in plan.notes:
        if progress:
            progress(f"note: {note}")
    return counts
