"""The calibration targets (`demo/calibration_targets.csv`) and their scaling.

One row per figure: `measure, financial_year, directorate, item, detail, value`, with the
basis (published, corrected or assumed) and a note. Published figures that contradict the
rest of the report appear as `corrected`, with the arithmetic in the note; figures the
report does not give (earlier years, the part year 2024/25, splits) are `assumed`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

TARGETS_CSV = Path(__file__).resolve().parents[1] / "calibration_targets.csv"
Key = tuple[str, str, str, str]  # financial_year, directorate, item, detail


@dataclass
class Targets:
    values: dict[str, dict[Key, Decimal]] = field(default_factory=dict)
    scale: float = 1.0

    @classmethod
    def load(cls, path: Path = TARGETS_CSV) -> Targets:
        values: dict[str, dict[Key, Decimal]] = defaultdict(dict)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["financial_year"], row["directorate"], row["item"], row["detail"])
                values[row["measure"]][key] = Decimal(row["value"])
        return cls(dict(values))

    def scaled(self, factor: float) -> Targets:
        """Counts times `factor` (rounded half up), amounts to the penny; 1 changes nothing."""
        if factor == 1:
            return self
        f = Decimal(repr(factor))
        out: dict[str, dict[Key, Decimal]] = {}
        for measure, table in self.values.items():
            out[measure] = {}
            for key, value in table.items():
                is_money = key[3] == "amount_gbp"
                step = Decimal("0.01") if is_money else Decimal(1)
                out[measure][key] = (value * f).quantize(step, rounding=ROUND_HALF_UP)
        return Targets(out, self.scale * factor)

    def count(
        self, measure: str, year: str = "", directorate: str = "", item: str = "", detail: str = ""
    ) -> int:
        return int(self.values.get(measure, {}).get((year, directorate, item, detail), 0))

    def amount(self, measure: str, year: str, directorate: str, item: str) -> Decimal:
        return self.values.get(measure, {}).get((year, directorate, item, "amount_gbp"), Decimal(0))

    def items(
        self, measure: str, year: str | None = None, directorate: str | None = None
    ) -> dict[str, int]:
        """item -> count for one year and directorate (summed over `detail`)."""
        out: dict[str, int] = {}
        for (y, d, item, _detail), value in self.values.get(measure, {}).items():
            if (year is None or y == year) and (directorate is None or d == directorate):
                out[item] = out.get(item, 0) + int(value)
        return out

    def rows(self, measure: str) -> list[tuple[Key, Decimal]]:
        return list(self.values.get(measure, {}).items())
