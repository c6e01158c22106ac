"""Which year's cases close in which year: the backlog carried across financial year ends."""

from __future__ import annotations

from collections import defaultdict

from demo.generator.model import PlanError
from demo.generator.workdays import OPEN, YEARS


def flow_matrix(
    received: list[int], closed: list[int], tail: float, strict: bool
) -> dict[tuple[str, str], int]:
    """Which year's cases close in which year: oldest first, a small tail lingering a year.

    Returns {(year received, year closed or OPEN): count}.
    """
    n = len(YEARS)
    still_open = [0] * n
    out: dict[tuple[str, str], int] = defaultdict(int)
    for c in range(n):
        still_open[c] += received[c]
        need = closed[c]
        kept = [0] * n
        for r in range(c):
            keep = int(still_open[r] * tail) if r == c - 1 else 0
            take = min(need, still_open[r] - keep)
            kept[r] = keep
            if take > 0:
                out[(YEARS[r], YEARS[c])] += take
                still_open[r] -= take
                need -= take
        take = min(need, still_open[c])
        if take:
            out[(YEARS[c], YEARS[c])] += take
            still_open[c] -= take
            need -= take
        for r in range(c):  # the tail, when the year closes more than there is
            take = min(need, kept[r], still_open[r])
            if take > 0:
                out[(YEARS[r], YEARS[c])] += take
                still_open[r] -= take
                need -= take
        if need and strict:
            raise PlanError(f"{YEARS[c]}: {need} more closed than received and carried over")
    for r in range(n):
        if still_open[r]:
            out[(YEARS[r], OPEN)] += still_open[r]
    return dict(out)
