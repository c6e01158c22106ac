"""Dates of one case: receipt, acknowledgement, due dates and response, consistent with its plan.

A planned response is on time or late *by construction*: the working days between receipt and
response are drawn inside the timescale (or the agreed extension) or beyond it, and the
dates inside the planned financial years.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.generator.names import TIMESCALES
from demo.generator.workdays import EXTRACT_DATE, FY, OPEN, WorkingCalendar

EXTRACT = EXTRACT_DATE.toordinal()
LATE_SPAN = (90, 180, 700)  # how late a response can be, by years between receipt and reply
# working days to acknowledge: (days, cumulative probability); 2% none, 8% 4 to 8 days
ACKNOWLEDGE_CUMULATIVE = ((0, 0.17), (1, 0.62), (2, 0.82), (3, 0.92))


@dataclass(frozen=True)
class Timescale:
    standard: int  # the procedure's working days (recorded as the due date)
    effective: int  # with an agreed extension, the extended timescale
    extended: bool


CORPORATE = Timescale(20, 20, False)


def choose_timescale(rng: random.Random, procedure: str, stage: int) -> Timescale:
    """The timescale that applies, with agreed extensions as the procedures allow them."""
    standard = TIMESCALES[(procedure, min(stage, 2))]
    r = rng.random()
    if procedure == "adult_social_care" and r < 0.3:  # a period agreed with the complainant
        return Timescale(standard, rng.choice((30, 40, 60)), True)
    if procedure == "children_act" and r < (0.2 if stage == 1 else 0.25):
        return Timescale(standard, 20 if stage == 1 else 65, True)
    return Timescale(standard, standard, False)


def response_bounds(
    outcome: str, on_time: bool, timescale: Timescale, gap: int
) -> tuple[int, int, str]:
    """(min, max) working days to respond and the shape of their distribution."""
    if outcome == "withdrawn":
        return 0, (60, 260, 800)[min(gap, 2)], "any"
    if outcome == "resolved_upon_receipt":
        return 0, 3, "quick"
    if on_time:
        return 0, timescale.effective, "on_time"
    return timescale.effective + 1, timescale.effective + LATE_SPAN[min(gap, 2)], "late"


class DateSampler:
    """Receipt and response dates inside given windows with a working-day span in bounds."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.cal = calendar

    def received_in(self, rng: random.Random, year: str, lo: int | None = None) -> int:
        fy = FY[year]
        start = max(fy.start, lo or fy.start)
        end = min(fy.end, EXTRACT)
        return self.day_in(rng, start, max(start, end))

    def span(
        self,
        rng: random.Random,
        received_window: tuple[int, int],
        closed_year: str,
        bounds: tuple[int, int, str],
        closed_before: int | None = None,
    ) -> tuple[int, int] | None:
        """(received, closed): received in the window, closed in `closed_year` (and not after
        `closed_before`), with working days between them inside `bounds`; None if impossible."""
        cal = self.cal
        wd_lo, wd_hi, shape = bounds
        fy = FY[closed_year]
        close_hi = min(fy.end, EXTRACT, closed_before or fy.end)
        k_lo = cal.index(fy.start - 1) + 1
        k_hi = cal.index(close_hi)
        if k_lo > k_hi:
            return None
        x_lo = max(received_window[0], cal.first_day_with_index(k_lo - wd_hi))
        x_hi = min(received_window[1], cal.last_day_with_index(k_hi - wd_lo), EXTRACT)
        for _ in range(40):
            if x_lo > x_hi:
                return None
            x = self.day_in(rng, x_lo, x_hi)
            i = cal.index(x)
            lo = max(wd_lo, k_lo - i, 0 if cal.is_working(x) else 1)
            hi = min(wd_hi, k_hi - i)
            if lo <= hi:
                return x, cal.workday(i + _pick(rng, lo, hi, shape))
        return None

    def acknowledged(self, rng: random.Random, received: int, closed: int | None) -> int | None:
        r = rng.random()
        if r < 0.02:
            return None
        k = next((days for days, p in ACKNOWLEDGE_CUMULATIVE if r < p), None)
        k = rng.randint(4, 8) if k is None else k
        ack = received if k == 0 else self.cal.workday(self.cal.index(received) + k)
        return min(ack, closed) if closed is not None else min(ack, EXTRACT)

    def due(self, received: int, working_days: int) -> int:
        return self.cal.workday(self.cal.index(received) + working_days)

    def day_in(self, rng: random.Random, lo: int, hi: int) -> int:
        """A day in [lo, hi], weekends a quarter as likely as weekdays."""
        x = rng.randint(lo, hi)
        for _ in range(8):
            if self.cal.is_working(x) or rng.random() < 0.25:
                return x
            x = rng.randint(lo, hi)
        return x


def _pick(rng: random.Random, lo: int, hi: int, shape: str) -> int:
    if lo >= hi:
        return lo
    if shape == "on_time":
        return round(rng.triangular(lo, hi, lo + 0.7 * (hi - lo)))
    if shape == "late":
        return lo + min(hi - lo, int(rng.expovariate(1 / 18)))
    if shape == "quick":
        return lo + min(hi - lo, int(rng.expovariate(1 / 1.2)))
    return lo + min(hi - lo, int(rng.expovariate(1 / 15)))


def is_open(closed_year: str) -> bool:
    return closed_year == OPEN
