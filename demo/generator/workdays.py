"""Financial years and working days (England and Wales bank holidays), as the pipeline counts them.

Working days from a to b are the working days d with a < d <= b: the difference of the
running working-day index, exactly as the dbt macro `working_days_between`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
BANK_HOLIDAYS = PROJECT_DIR / "seeds" / "bank_holidays.csv"
YEARS = ("2020/21", "2021/22", "2022/23", "2023/24", "2024/25")
EXTRACT_DATE = dt.date(2024, 9, 30)  # the export is taken at the end of this day
OPEN = "open"  # close "year" of cases still open on the extract date


@dataclass(frozen=True)
class FinancialYear:
    label: str
    start: int  # ordinal of 1 April
    end: int  # ordinal of 31 March, or of the extract date for the current year

    @classmethod
    def of(cls, label: str) -> FinancialYear:
        first = int(label[:4])
        end = min(dt.date(first + 1, 3, 31), EXTRACT_DATE)
        return cls(label, dt.date(first, 4, 1).toordinal(), end.toordinal())


FY = {label: FinancialYear.of(label) for label in YEARS}


def year_gap(received_year: str, closed_year: str) -> int:
    """Financial years between receipt and closure (0 = closed in the year received)."""
    return int(closed_year[:4]) - int(received_year[:4])


@functools.cache
def fy_of(ordinal: int) -> str:
    day = dt.date.fromordinal(ordinal)
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


@functools.cache
def iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


class WorkingCalendar:
    """Working-day index per day over a fixed range, from the project's bank holiday seed."""

    def __init__(
        self,
        first: dt.date = dt.date(2019, 1, 1),
        last: dt.date = dt.date(2026, 12, 31),
        holidays_csv: Path = BANK_HOLIDAYS,
    ) -> None:
        with holidays_csv.open(encoding="utf-8") as handle:
            holidays = {dt.date.fromisoformat(r["holiday_date"]) for r in csv.DictReader(handle)}
        self.base = first.toordinal()
        self.last = last.toordinal()
        self._index: list[int] = []
        self._working: list[bool] = []
        self._workdays: list[int] = [self.base - 1]  # index k -> ordinal of k-th working day
        k = 0
        for ordinal in range(self.base, self.last + 1):
            day = dt.date.fromordinal(ordinal)
            working = day.weekday() < 5 and day not in holidays
            if working:
                k += 1
                self._workdays.append(ordinal)
            self._index.append(k)
            self._working.append(working)

    def index(self, ordinal: int) -> int:
        """Working days from the calendar's start up to and including the day."""
        return self._index[ordinal - self.base]

    def is_working(self, ordinal: int) -> bool:
        return self._working[ordinal - self.base]

    def workday(self, k: int) -> int:
        """Ordinal of the working day whose index is k."""
        return self._workdays[max(1, min(k, len(self._workdays) - 1))]

    def first_day_with_index(self, k: int) -> int:
        """The first day whose index is at least k."""
        return self.base if k <= 0 else self.workday(k)

    def last_day_with_index(self, k: int) -> int:
        """The last day whose index is at most k."""
        if k + 1 >= len(self._workdays):
            return self.last
        return self._workdays[k + 1] - 1 if k >= 0 else self.base - 1

    def add(self, ordinal: int, working_days: int) -> int:
        """The working day `working_days` after the day (the day itself for 0 if working)."""
        return self.workday(self.index(ordinal) + working_days)

    def between(self, a: int, b: int) -> int:
        return self.index(b) - self.index(a)
