"""Small-number suppression for outputs that leave the council.

A count below the threshold (default 5) is shown as ``<5``; zeros are shown, as in NHS
England's and the ONS's practice (a zero identifies nobody). **Secondary suppression** then
hides further cells so that no suppressed count can be worked out from the others: in every
group of cells that add up (the rows of one table that differ only in an additive dimension,
a `Total` row included, and the columns of one row that sum to another), a lone suppressed
cell takes the smallest other non-zero cell (else a zero) with it, until no group of two or
more cells has exactly one (a group of one cell has nothing that adds up to it). A
previous-year column is suppressed where the previous year's own cell was, and a derived
cell (a share, a difference, a median) wherever a count it is made from is.

How each report mart is suppressed is declared next to the mart, in its YAML
(``config: meta: suppression:``), so that a data engineer who adds a mart says it there:

```yaml
suppression:
  keys: [financial_year, directorate]      # the mart's grain
  counts: [complaints_received]            # suppressed below the threshold
  additive: [directorate]                  # keys along which counts add up to a total
  column_sums: {total: [part, part]}       # columns of a row that add up to another
  previous_year: {previous_year_received: complaints_received}
  derived: {difference: [complaints_received, previous_year_received]}
  year_derived: [digital_share]            # hidden for the whole year if any count is
  unchanged: [kpi_target]                  # shown as they are (settings, money, flags)
  exempt: "published by the LGSCO"         # or: the whole mart is shown as it is
  exclude: "one row per case"              # or: the mart is left out of public outputs
```

Every column of a mart must be named in exactly one of these lists; `rules_problems` says
where one is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

DEFAULT_THRESHOLD = 5
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


@dataclass(frozen=True)
class SuppressionRule:
    """How one mart is suppressed (see the module docstring)."""

    model: str
    keys: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    additive: tuple[str, ...] = ()
    column_sums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    previous_year: dict[str, str] = field(default_factory=dict)
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    year_derived: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    exempt: str | None = None
    exclude: str | None = None
    year_column: str = "financial_year"

    @classmethod
    def from_meta(cls, model: str, meta: dict[str, Any]) -> SuppressionRule:
        unknown = set(meta) - {f for f in cls.__dataclass_fields__ if f != "model"}
        if unknown:
            raise ValueError(f"{model}: unknown suppression setting(s) {sorted(unknown)}")
        return cls(
            model=model,
            keys=tuple(meta.get("keys", ())),
            counts=tuple(meta.get("counts", ())),
            additive=tuple(meta.get("additive", ())),
            column_sums={k: tuple(v) for k, v in (meta.get("column_sums") or {}).items()},
            previous_year=dict(meta.get("previous_year") or {}),
            derived={k: tuple(v) for k, v in (meta.get("derived") or {}).items()},
            year_derived=tuple(meta.get("year_derived", ())),
            unchanged=tuple(meta.get("unchanged", ())),
            exempt=meta.get("exempt"),
            exclude=meta.get("exclude"),
            year_column=meta.get("year_column", "financial_year"),
        )

    @property
    def suppressed_columns(self) -> tuple[str, ...]:
        """Columns whose cells may become the ``<N>`` text."""
        return (*self.counts, *self.previous_year)

    def declared_columns(self) -> list[str]:
        return [
            *self.keys,
            *self.counts,
            *self.previous_year,
            *self.derived,
            *self.year_derived,
            *self.unchanged,
        ]


def load_rules(models_dir: Path = MODELS_DIR) -> dict[str, SuppressionRule]:
    """The suppression rule of every model whose YAML declares one."""
    rules: dict[str, SuppressionRule] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            meta = ((model.get("config") or {}).get("meta") or {}).get("suppression")
            if meta is not None:
                rules[model["name"]] = SuppressionRule.from_meta(model["name"], meta)
    return rules


def rules_problems(rule: SuppressionRule, columns: Iterable[str]) -> list[str]:
    """What is wrong with a rule for a mart with these columns (empty when nothing is)."""
    columns = list(columns)
    if rule.exempt or rule.exclude:
        return []
    declared = rule.declared_columns()
    problems = [f"{rule.model}.{c}: not named in its suppression rule" for c in columns]
    problems = [p for p, c in zip(problems, columns, strict=True) if c not in declared]
    problems += [
        f"{rule.model}.{c}: named more than once in its suppression rule"
        for c in sorted({c for c in declared if declared.count(c) > 1})
    ]
    problems += [
        f"{rule.model}.{c}: in its suppression rule but not a column"
        for c in declared
        if c not in columns
    ]
    problems += [
        f"{rule.model}.{c}: additive, but not one of its keys"
        for c in rule.additive
        if c not in rule.keys
    ]
    return problems


class Suppressor:
    """Applies the marts' rules at one threshold: ``suppressor(model, frame)``."""

    def __init__(
        self,
        threshold: int = DEFAULT_THRESHOLD,
        rules: dict[str, SuppressionRule] | None = None,
    ) -> None:
        if threshold < 1:
            raise ValueError(f"suppression threshold must be 1 or more, not {threshold}")
        self.threshold = threshold
        self.rules = load_rules() if rules is None else rules
        self.marker = f"<{threshold}"

    def rule(self, model: str) -> SuppressionRule:
        try:
            return self.rules[model]
        except KeyError:
            raise KeyError(
                f"{model} has no suppression rule (config: meta: suppression: in its YAML);"
                " it cannot be published with small-number suppression on"
            ) from None

    def excluded(self, model: str) -> bool:
        """True when the mart is left out of public outputs altogether."""
        return bool(self.rule(model).exclude)

    def __call__(self, model: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The mart's rows as they may leave the council: suppressed counts (and previous-year
        counts) become the text ``<N>`` (the column becomes text), derived cells of
        suppressed counts become missing. An excluded mart comes back with no rows."""
        rule = self.rule(model)
        if rule.exclude:
            return frame.iloc[0:0].copy()
        if rule.exempt:
            return frame.copy()
        problems = rules_problems(rule, frame.columns)
        if problems:
            raise ValueError("; ".join(problems))
        masks = suppression_masks(frame, rule, self.threshold)
        out = frame.copy()
        for column in rule.suppressed_columns:
            out[column] = [
                self.marker if hidden else (None if pd.isna(value) else str(int(value)))
                for value, hidden in zip(frame[column], masks[column], strict=True)
            ]
            out[column] = out[column].astype(object)
        for column in [*rule.derived, *rule.year_derived]:
            out[column] = frame[column].mask(masks[column])
        return out


def suppression_masks(
    frame: pd.DataFrame, rule: SuppressionRule, threshold: int
) -> dict[str, pd.Series]:
    """For every count, previous-year and derived column, which cells are hidden."""
    frame = frame.reset_index(drop=True)
    masks: dict[str, list[bool]] = {
        column: [_small(v, threshold) for v in frame[column]] for column in rule.counts
    }
    _secondary(frame, rule, masks)
    for column, source in rule.previous_year.items():
        masks[column] = _previous_year_mask(frame, rule, column, source, masks[source], threshold)
    for column, sources in rule.derived.items():
        masks[column] = [any(masks[s][i] for s in sources) for i in range(len(frame))]
    if rule.year_derived:
        hidden_years = {
            frame[rule.year_column][i]
            for i in range(len(frame))
            if any(masks[c][i] for c in rule.counts)
        }
        for column in rule.year_derived:
            masks[column] = [year in hidden_years for year in frame[rule.year_column]]
    return {column: pd.Series(mask, dtype=bool) for column, mask in masks.items()}


def _small(value: Any, threshold: int) -> bool:
    return not pd.isna(value) and 0 < value < threshold


def _secondary(frame: pd.DataFrame, rule: SuppressionRule, masks: dict[str, list[bool]]) -> None:
    """Hide more cells until no group of cells that add up has exactly one hidden."""
    groups: list[tuple[str, list[int]]] = []  # (count column, rows) along additive keys
    for dimension in rule.additive:
        others = [k for k in rule.keys if k != dimension]
        grouped = frame.groupby(others, dropna=False, sort=False).indices if others else None
        row_sets = list(grouped.values()) if grouped else [range(len(frame))]
        for column in rule.counts:
            groups += [(column, list(rows)) for rows in row_sets]
    values = {column: frame[column].tolist() for column in masks}
    changed = True
    while changed:
        changed = False
        for column, rows in groups:
            cells = [(column, i) for i in rows]
            changed |= _protect(values, masks, cells)
        for total, parts in rule.column_sums.items():
            for i in range(len(frame)):
                changed |= _protect(values, masks, [(c, i) for c in (total, *parts)])


def _protect(
    values: dict[str, list[Any]], masks: dict[str, list[bool]], cells: list[tuple[str, int]]
) -> bool:
    """If exactly one of these cells (which add up) is hidden, hide the smallest other one,
    preferring a non-zero one. Returns whether a cell was hidden."""
    if sum(masks[c][i] for c, i in cells) != 1:
        return False
    shown = [
        (values[c][i], c, i) for c, i in cells if not masks[c][i] and not pd.isna(values[c][i])
    ]
    if not shown:
        return False
    shown.sort(key=lambda cell: (cell[0] == 0, cell[0]))
    _, column, row = shown[0]
    masks[column][row] = True
    return True


def _previous_year_mask(
    frame: pd.DataFrame,
    rule: SuppressionRule,
    column: str,
    source: str,
    source_mask: list[bool],
    threshold: int,
) -> list[bool]:
    """A previous-year cell is hidden where that year's own cell was hidden (or, when that
    year is not in the frame, where it is small itself)."""
    others = [k for k in rule.keys if k != rule.year_column]
    hidden_by_key = {
        (frame[rule.year_column][i], *(frame[k][i] for k in others)): source_mask[i]
        for i in range(len(frame))
    }
    mask = []
    for i in range(len(frame)):
        key = (previous_financial_year(frame[rule.year_column][i]), *(frame[k][i] for k in others))
        hidden = hidden_by_key.get(key)
        mask.append(_small(frame[column][i], threshold) if hidden is None else hidden)
    return mask


def previous_financial_year(year: str) -> str:
    """'2023/24' -> '2022/23'."""
    start = int(str(year)[:4]) - 1
    return f"{start}/{str(start + 1)[-2:]}"
