"""Audit a published annual report's tables: against itself, and against a warehouse.

Input: the report's cells in long format, `table,row,column,published` (e.g.
../shared/reference/kcc_2023_24/published_cells.csv). Output: one `Finding` per failed
check (table, row, column, published, expected, rule); `write_findings` writes them as CSV.

Rules (the `rule` column starts with the rule's name):

  unreadable_cell        a cell that is not a number, a percentage, 'n/a' or '-' (e.g.
                         "281 188": two numbers in one cell, a merged or missing cell)
  total_of_parts         a Total equals the sum of its parts printed in the same table
                         (every roll-up: row totals, column totals, Difference rows)
  total_of_other_table   a Total equals the sum of parts printed in another table (exact
                         when every member is there, else it is at least their sum)
  same_figure            a figure printed in two tables is the same in both
  difference             Difference = this year's figure - the previous year's
  pct_difference         % difference = difference / previous, at the printed precision
  share                  a percentage of a whole = count / whole at the printed precision
                         ("63%" is any value in [62.5%, 63.5%], "<1%" is below 1%); when
                         the whole is not printed its bounds come from the printed parts,
                         and the shares of one whole must fit one value of it
  at_least, at_most      a figure bounded by another (T8's reasons >= T1's stage 1
                         complaints; 3.21's splits <= T6's upheld + partly upheld, ...)
  printed_vs_warehouse   with a warehouse: the printed figure equals the mart's
                         (expectations/published.py maps each cell to its mart row)

The meaning of each cell (its measure, year and breakdown) comes from
expectations/published.py.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from expectations import published as pub
from expectations.published import TOTAL, Coord, Located

FINDING_COLUMNS = ("table", "row", "column", "published", "expected", "rule")
COUNT_TOLERANCE = 1e-9
MONEY_TOLERANCE = 0.005
INF = math.inf


@dataclass(frozen=True)
class Finding:
    table: str
    row: str
    column: str
    published: str
    expected: str
    rule: str

    def as_tuple(self) -> tuple[str, ...]:
        return (self.table, self.row, self.column, self.published, self.expected, self.rule)


# --- printed values ----------------------------------------------------------------------

PERCENT_RE = re.compile(r"^([<>])?\s*([+-]?\d+(?:\.\d+)?)\s*%$")
NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
MISSING = {"n/a", "na", "-", "\u2013", "\u2014"}  # n/a, hyphen, en and em dashes


@dataclass(frozen=True)
class Printed:
    """A published value: a number, a percentage (as an interval of fractions), missing
    ('n/a', '-': the member did not exist, counts 0 in sums) or unreadable."""

    text: str
    kind: str  # number | percent | missing | unreadable
    value: float | None = None
    lo: float = -INF
    hi: float = INF
    decimals: int = 0
    problem: str = ""

    def contains(self, fraction: float) -> bool:
        return self.lo - 1e-12 <= fraction <= self.hi + 1e-12


def parse_printed(text: str) -> Printed:
    raw = text
    cleaned = text.strip().rstrip("*").strip().replace(",", "").replace("£", "")
    if not cleaned:
        return Printed(raw, "unreadable", problem="blank cell: a missing figure?")
    if cleaned.casefold() in MISSING:
        return Printed(raw, "missing")
    match = PERCENT_RE.match(cleaned)
    if match:
        sign, number = match.group(1), match.group(2)
        decimals = len(number.split(".")[1]) if "." in number else 0
        value = float(number) / 100
        if sign == "<":
            return Printed(raw, "percent", value, 0.0, value, decimals)
        if sign == ">":
            return Printed(raw, "percent", value, value, INF, decimals)
        half = 0.5 * 10**-decimals / 100
        return Printed(raw, "percent", value, value - half, value + half, decimals)
    if NUMBER_RE.match(cleaned):
        decimals = len(cleaned.split(".")[1]) if "." in cleaned else 0
        value = float(cleaned)
        return Printed(raw, "number", value, value, value, decimals)
    parts = cleaned.split()
    if len(parts) > 1 and all(NUMBER_RE.match(p) for p in parts):
        return Printed(
            raw, "unreadable", problem=f"{len(parts)} numbers in one cell: a merged or missing cell"
        )
    return Printed(raw, "unreadable", problem="not a number, a percentage or n/a")


@dataclass
class Cell:
    order: int
    table: str
    row: str
    column: str
    printed: Printed
    located: Located | None

    @property
    def coord(self) -> Coord | None:
        return self.located.coord if self.located else None

    def number(self) -> float | None:
        """The figure for sums: n/a counts 0; None when unreadable or a percentage."""
        if self.printed.kind == "number":
            return self.printed.value
        if self.printed.kind == "missing":
            return 0.0
        return None

    def finding(self, expected: str, rule: str) -> Finding:
        return Finding(self.table, self.row, self.column, self.printed.text, expected, rule)


def read_published(published_csv: Path) -> list[dict[str, str]]:
    with Path(published_csv).open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if rows and set(rows[0]) < {"table", "row", "column", "published"}:
        raise ValueError(f"{published_csv}: expected columns table,row,column,published")
    return rows


def load_cells(rows: Iterable[dict[str, str]]) -> tuple[list[Cell], str]:
    """Parse and locate every cell; also returns the report's year (the latest printed)."""
    rows = list(rows)
    years = [
        m.group(1)
        for r in rows
        for text in (r["row"], r["column"])
        for m in [pub.YEAR_RE.search(text or "")]
        if m
    ]
    report_year = max(years) if years else ""
    cells = [
        Cell(
            i,
            r["table"].strip(),
            r["row"],
            r["column"],
            parse_printed(r["published"] or ""),
            pub.locate(r["table"].strip(), r["row"], r["column"], report_year),
        )
        for i, r in enumerate(rows)
    ]
    return cells, report_year


def unmapped_cells(published_csv: Path) -> list[tuple[str, str, str]]:
    """Cells whose labels expectations/published.py does not know (never checked)."""
    cells, _ = load_cells(read_published(published_csv))
    return [(c.table, c.row, c.column) for c in cells if c.located is None]


# --- the index of located cells ------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    lo: float
    hi: float

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __add__(self, other: Bound) -> Bound:
        return Bound(self.lo + other.lo, self.hi + other.hi)


@dataclass
class Index:
    cells: list[Cell]
    table_order: dict[str, int] = field(default_factory=dict)
    by_coord: dict[Coord, list[Cell]] = field(default_factory=lambda: defaultdict(list))
    # (measure, year, kind, other dims, rolled dim) -> {table: [cells]}
    parts: dict[tuple, dict[str, list[Cell]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    members: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        for cell in self.cells:
            self.table_order.setdefault(cell.table, len(self.table_order))
            if cell.coord is None or cell.coord.kind not in ("value", "difference"):
                continue
            for c in self.coords_of(cell):
                self.by_coord[c].append(cell)
                if not pub.is_additive(cell.table):
                    continue
                for name, value in c.dims:
                    if value != TOTAL:
                        self.parts[self.part_key(c, name)][cell.table].append(cell)
                        self.members[(c.measure, name)].add(value)

    @staticmethod
    def coords_of(cell: Cell) -> list[Coord]:
        return [cell.coord, *pub.aliases(cell.coord)]

    @staticmethod
    def part_key(c: Coord, dim: str) -> tuple:
        others = tuple((k, v) for k, v in c.dims if k != dim)
        return (c.measure, c.year, c.kind, others, dim)

    def domain(self, measure: str, dim: str) -> set[str]:
        return set(pub.DOMAINS.get(dim, ())) | self.members[(measure, dim)]

    def printed(self, c: Coord, prefer: str | None = None) -> Cell | None:
        """The printed cell for these coordinates: the `prefer` table's, else the first."""
        found = [x for x in self.by_coord.get(c, []) if x.number() is not None]
        found.sort(key=lambda x: (x.table != prefer, self.table_order[x.table], x.order))
        return found[0] if found else None

    def parts_of(self, c: Coord, dim: str) -> dict[str, list[Cell]]:
        return self.parts.get(self.part_key(c, dim), {})

    def resolve(self, c: Coord, prefer: str | None = None) -> tuple[Bound, str] | None:
        """The value of a coordinate: printed, else the sum of printed parts (exact when
        complete, else a lower bound); with a description of where it came from."""
        cell = self.printed(c, prefer)
        if cell is not None:
            return Bound(cell.number(), cell.number()), f"{cell.table} {cell.number():g}"
        best: tuple[Bound, str] | None = None
        for dim, value in c.dims:
            if value != TOTAL:
                continue
            for table, cells in sorted(
                self.parts_of(c, dim).items(), key=lambda kv: (kv[0] != prefer, kv[0])
            ):
                numbers = [x.number() for x in cells]
                if any(n is None for n in numbers):
                    continue
                total = sum(numbers)
                present = {dict(self.coords_of_in(x, c.measure)).get(dim) for x in cells}
                needed = set(pub.DOMAINS.get(dim, ()))
                if table != prefer:
                    needed |= self.domain(c.measure, dim)
                if needed <= present:
                    return Bound(total, total), f"{table} parts {total:g}"
                if best is None or total > best[0].lo:
                    best = (Bound(total, INF), f"{table} parts >= {total:g}")
        return best

    def coords_of_in(self, cell: Cell, measure: str) -> tuple[tuple[str, str], ...]:
        for c in self.coords_of(cell):
            if c.measure == measure:
                return c.dims
        return cell.coord.dims


# --- the rules ----------------------------------------------------------------------------


def _fmt(x: float) -> str:
    if x in (INF, -INF):
        return "inf"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}"


def _pct(x: float) -> str:
    return f"{x * 100:+.1f}%" if x < 0 else f"{x * 100:.1f}%"


def _tolerance(*cells: Cell) -> float:
    decimals = any(c.printed.decimals > 0 or c.coord.measure.endswith("_gbp") for c in cells)
    return MONEY_TOLERANCE if decimals else COUNT_TOLERANCE


def _label(cell: Cell) -> str:
    return f"{cell.table} {cell.row} / {cell.column}"


def check_unreadable(index: Index) -> list[Finding]:
    return [
        c.finding("a number, a percentage or n/a", f"unreadable_cell: {c.printed.problem}")
        for c in index.cells
        if c.printed.kind == "unreadable"
    ]


def check_totals(index: Index) -> list[Finding]:
    findings = []
    for cell in index.cells:
        if cell.coord is None or cell.coord.kind not in ("value", "difference"):
            continue
        if cell.printed.kind != "number":
            continue
        for c in index.coords_of(cell):
            primary = c == cell.coord
            for dim, value in c.dims:
                if value != TOTAL:
                    continue
                by_table = index.parts_of(c, dim)
                if cell.table in by_table:
                    if primary:
                        findings += _total_vs_parts(cell, dim, {cell.table: by_table[cell.table]})
                    continue
                complete_sums: dict[str, list[Cell]] = {}
                for table, parts in sorted(by_table.items()):
                    if any(x.table == table for x in index.by_coord.get(c, [])):
                        continue  # its own total is checked, and compared by same_figure
                    present = {dict(index.coords_of_in(x, c.measure)).get(dim) for x in parts}
                    if index.domain(c.measure, dim) <= present:
                        complete_sums[table] = parts
                    else:
                        findings += _total_vs_parts(cell, dim, {table: parts}, complete=False)
                findings += _total_vs_parts(cell, dim, complete_sums)
    return findings


def _total_vs_parts(
    cell: Cell, dim: str, parts_by_table: dict[str, list[Cell]], complete: bool = True
) -> list[Finding]:
    """The total vs the sum of its parts in each table; tables whose sums agree are reported
    in one finding."""
    sums: dict[float, list[str]] = defaultdict(list)
    terms: dict[float, str] = {}
    for table, parts in parts_by_table.items():
        numbers = [p.number() for p in parts]
        if any(n is None for n in numbers):
            continue
        total = sum(numbers)
        if complete and abs(cell.printed.value - total) <= _tolerance(cell, *parts):
            continue
        if not complete and cell.printed.value + _tolerance(cell, *parts) >= total:
            continue
        sums[total].append(table)
        text = " + ".join(_fmt(n) for n in numbers)
        terms[total] = text if len(text) <= 80 else f"{len(numbers)} {dim} figures"
    findings = []
    for total, tables in sums.items():
        same = tables == [cell.table]
        where = "in the same table" if same else f"in {', '.join(tables)}"
        if complete:
            rule = "total_of_parts" if same else "total_of_other_table"
            findings.append(
                cell.finding(
                    _fmt(total),
                    f"{rule}: {TOTAL} = sum of the {dim} figures {where} ({terms[total]})",
                )
            )
        else:
            findings.append(
                cell.finding(
                    f">= {_fmt(total)}",
                    f"total_of_other_table: {TOTAL} >= the {dim} figures printed {where}"
                    f" ({terms[total]}); not every {dim} is printed there",
                )
            )
    return findings


def check_same_figure(index: Index) -> list[Finding]:
    findings, seen = [], set()
    for c, cells in index.by_coord.items():
        if c.kind != "value":
            continue
        readable = [x for x in cells if x.number() is not None and x.printed.kind == "number"]
        readable.sort(key=lambda x: (index.table_order[x.table], x.order))
        if len({x.table for x in readable}) < 2:
            continue
        reference = readable[0]
        for other in readable[1:]:
            if other.table == reference.table or (other.order, c) in seen:
                continue
            seen.add((other.order, c))
            if abs(other.number() - reference.number()) > _tolerance(other, reference):
                findings.append(
                    other.finding(
                        _fmt(reference.number()),
                        f"same_figure: {c.describe()} is printed as {_fmt(reference.number())}"
                        f" in {_label(reference)}",
                    )
                )
    return findings


def _previous_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}/{str(start + 1)[-2:]}"


def check_differences(index: Index) -> list[Finding]:
    findings = []
    for cell in index.cells:
        c = cell.coord
        if c is None or c.kind not in ("difference", "pct_difference"):
            continue
        if cell.printed.kind not in ("number", "percent"):
            continue
        this = index.printed(c.as_value(), cell.table)
        before = index.printed(
            Coord(c.measure, _previous_year(c.year), c.dims, "value"), cell.table
        )
        if this is None or before is None:
            continue
        if this.printed.kind == "missing" or before.printed.kind == "missing":
            continue
        value, previous = this.number(), before.number()
        terms = f"{_fmt(value)} - {_fmt(previous)}"
        if c.kind == "difference":
            if cell.printed.kind != "number":
                continue
            expected = value - previous
            if abs(cell.printed.value - expected) > _tolerance(cell, this, before):
                findings.append(
                    cell.finding(
                        _fmt(expected),
                        f"difference: {c.year} - {before.coord.year} ({terms})",
                    )
                )
        elif previous != 0 and cell.printed.kind == "percent":
            expected = (value - previous) / previous
            if not cell.printed.contains(expected):
                findings.append(
                    cell.finding(
                        _pct(expected),
                        f"pct_difference: ({terms}) / {_fmt(previous)} at the printed precision",
                    )
                )
    return findings


def _implied_whole(count: float, printed: Printed) -> Bound | None:
    """The values of the whole for which count / whole prints as `printed`."""
    if count == 0:
        return Bound(0, INF) if printed.lo <= 0 else None
    lo = count / printed.hi if printed.hi not in (INF, 0) else 0.0
    hi = count / printed.lo if printed.lo > 0 else INF
    return Bound(lo, hi)


def _intersect(a: Bound, b: Bound) -> Bound | None:
    lo, hi = max(a.lo, b.lo), min(a.hi, b.hi)
    return Bound(lo, hi) if lo <= hi * (1 + 1e-12) + 1e-12 else None


def check_shares(index: Index) -> list[Finding]:
    groups: dict[tuple, list[tuple[Cell, float]]] = defaultdict(list)
    for cell in index.cells:
        c = cell.coord
        if c is None or c.kind != "share" or cell.printed.kind != "percent":
            continue
        counted = index.printed(c.as_value(), cell.table)
        if counted is None or counted.printed.kind != "number":
            continue
        groups[(cell.table, c.whole)].append((cell, counted.number()))
    findings = []
    for (table, whole), members in groups.items():
        bound, sources = Bound(0, 0), []
        for part in whole:
            resolved = index.resolve(part, table)
            if resolved is None:
                resolved = (Bound(0, INF), f"{part.describe()}: not printed")
            bound, sources = bound + resolved[0], [*sources, resolved[1]]
        what = " + ".join(p.describe() for p in whole)
        source = "; ".join(sources)
        if bound.exact:
            for cell, count in members:
                share = count / bound.lo if bound.lo else None
                if share is not None and not cell.printed.contains(share):
                    findings.append(
                        cell.finding(
                            _pct(share),
                            f"share: {_fmt(count)} / {_fmt(bound.lo)} ({what}: {source})"
                            " at the printed precision",
                        )
                    )
            continue
        feasible: Bound | None = bound
        for cell, count in members:
            implied = _implied_whole(count, cell.printed)
            feasible = _intersect(feasible, implied) if feasible and implied else None
        if feasible is not None:
            continue
        # No single whole fits every printed share: anchor on the largest count (the most
        # precise) within the whole's bounds, and report the shares that do not fit it.
        anchor_cell, anchor_count = max(members, key=lambda m: m[1])
        anchor = _intersect(bound, _implied_whole(anchor_count, anchor_cell.printed) or bound)
        if anchor is None:
            anchor = bound
        for cell, count in members:
            implied = _implied_whole(count, cell.printed)
            if implied is not None and _intersect(anchor, implied) is not None:
                continue
            lowest = count / anchor.hi if anchor.hi != INF else 0.0
            highest = count / anchor.lo if anchor.lo else INF
            if anchor.hi == INF:
                expected = f"<= {_pct(highest)}"
            elif _pct(lowest) == _pct(highest):
                expected = _pct(lowest)
            else:
                expected = f"{_pct(lowest)} to {_pct(highest)}"
            whole_text = (
                f">= {_fmt(anchor.lo)}"
                if anchor.hi == INF
                else f"{_fmt(anchor.lo)} to {_fmt(anchor.hi)}"
            )
            findings.append(
                cell.finding(
                    expected,
                    f"share: {_fmt(count)} / ({what}), a whole of {whole_text} ({source};"
                    " and the other shares of this whole), at the printed precision",
                )
            )
    return findings


def _first(index: Index, c: Coord) -> Cell | None:
    return index.printed(c)


def check_relations(index: Index, report_year: str) -> list[Finding]:
    """Figures bounded by or computed from figures of other measures."""
    findings = []
    years = sorted({c.coord.year for c in index.cells if c.coord is not None})
    for year in years:
        # T8 counts every reason of every stage 1 complaint received (at least one each,
        # 'Blank' when none): its Total is at least T1's stage 1 complaints.
        reasons = _first(index, pub.coord("reasons_recorded", year, reason=TOTAL))
        complaints = _first(
            index,
            pub.coord("stage1_complaints_received", year, directorate=TOTAL, service=TOTAL),
        )
        if reasons and complaints and reasons.number() < complaints.number():
            findings.append(
                reasons.finding(
                    f">= {_fmt(complaints.number())}",
                    "at_least: reasons recorded on stage 1 complaints (each has at least one)"
                    f" >= stage 1 complaints received ({_label(complaints)})",
                )
            )
        # 3.21: stage 2 complaints upheld or partly upheld that were already upheld at
        # stage 1, or overturned a stage 1 decision, are some of T6's upheld + partly upheld.
        split = [
            _first(index, pub.coord(name, year))
            for name in ("already_upheld_at_stage1", "stage1_overturned")
        ]
        upheld = [
            _first(
                index,
                pub.coord("complaints_closed", year, directorate=TOTAL, stage="2", outcome=o),
            )
            for o in ("upheld", "partly_upheld")
        ]
        if all(split) and all(upheld):
            bound = sum(u.number() for u in upheld)
            if sum(s.number() for s in split) > bound:
                findings.append(
                    split[0].finding(
                        f"<= {_fmt(bound - split[1].number())}",
                        "at_most: already upheld + overturned <= T6 upheld + partly upheld"
                        f" ({_fmt(bound)})",
                    )
                )
        # 6.1: paid following LGSCO decisions is part of the total paid or waived.
        following = _first(
            index, pub.coord("compensation_following_lgsco_gbp", year, directorate=TOTAL)
        )
        paid = _first(index, pub.coord("compensation_gbp", year, directorate=TOTAL))
        if following and paid and following.number() > paid.number() + MONEY_TOLERANCE:
            findings.append(
                following.finding(
                    f"<= {_fmt(paid.number())}",
                    f"at_most: following LGSCO decisions <= total paid ({_label(paid)})",
                )
            )
        findings += _rate(
            index,
            year,
            "council uphold rate",
            ["upheld"],
            ["upheld", "not upheld"],
            "lgsco_decisions",
            "category",
            "share: T17 upheld / (upheld + not upheld) at the printed precision",
        )
        findings += _digital_share(index, year)
    return findings


def _rate(index, year, rate, numerator, denominator, measure, dim, rule) -> list[Finding]:
    cell = _first_rate(index, year, rate)
    if cell is None or cell.printed.kind != "percent":
        return []
    values = {}
    for name in {*numerator, *denominator}:
        found = _first(index, pub.coord(measure, year, **{dim: pub.member(name)}))
        if found is None:
            return []
        values[name] = found.number()
    whole = sum(values[n] for n in denominator)
    if not whole:
        return []
    expected = sum(values[n] for n in numerator) / whole
    return [] if cell.printed.contains(expected) else [cell.finding(_pct(expected), rule)]


def _first_rate(index: Index, year: str, name: str) -> Cell | None:
    for cell in index.cells:
        c = cell.coord
        if c is not None and c.kind == "rate" and c.year == year and c.measure == name:
            return cell
    return None


def _digital_share(index: Index, year: str) -> list[Finding]:
    cell = _first_rate(index, year, "digital_share")
    if cell is None or cell.printed.kind != "percent":
        return []
    volumes = {
        x.coord.dim("channel"): x.number()
        for x in index.cells
        if x.coord is not None
        and x.coord.measure == "channel_received"
        and x.coord.kind == "value"
        and x.coord.year == year
    }
    if not volumes or any(v is None for v in volumes.values()) or not sum(volumes.values()):
        return []
    digital = sum(volumes.get(name, 0) for name in pub.DIGITAL_CHANNELS)
    expected = digital / sum(volumes.values())
    if cell.printed.contains(expected):
        return []
    return [
        cell.finding(
            _pct(expected),
            f"share: {' + '.join(pub.DIGITAL_CHANNELS)} ({_fmt(digital)}) / all channels"
            f" ({_fmt(sum(volumes.values()))}) at the printed precision",
        )
    ]


def check_warehouse(index: Index, warehouse: Path) -> list[Finding]:
    """Printed vs computed: every cell mapped to a mart the warehouse has, in a year the
    warehouse covers (a member with no row in a covered year counts 0)."""
    import duckdb

    findings = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        if "intermediate.int_financial_years" in tables:
            years = {
                r[0]
                for r in con.execute(
                    "select financial_year from intermediate.int_financial_years"
                ).fetchall()
            }
        else:
            years = None
        for cell in index.cells:
            located = cell.located
            if located is None or located.mart is None or cell.coord.year == "":
                continue
            if located.mart.mart not in tables or cell.printed.kind not in ("number", "percent"):
                continue
            if years is not None and cell.coord.year not in years:
                continue
            sql, params = located.mart.sql()
            total, rows = con.execute(sql, params).fetchone()
            if rows == 0 or total is None:
                if cell.printed.kind == "percent" or rows:
                    continue  # no share, rate or % difference to compare
                total = 0
            computed = float(total)
            where = ", ".join(
                f"{k} = {v[0] if len(v) == 1 else list(v)}" for k, v in located.mart.keys
            )
            rule = f"printed_vs_warehouse: {located.mart.mart}.{located.mart.column} where {where}"
            if cell.printed.kind == "number":
                if abs(cell.printed.value - computed) > _tolerance(cell):
                    findings.append(cell.finding(_fmt(computed), rule))
            elif not cell.printed.contains(computed):
                findings.append(cell.finding(_pct(computed), rule))
    return findings


def audit_published(published_csv: Path, warehouse: Path | None = None) -> list[Finding]:
    """Every failed check of a published report's tables, in the file's order.

    Self-consistency always; printed vs computed too when a warehouse is given.
    """
    cells, report_year = load_cells(read_published(published_csv))
    index = Index(cells)
    findings = (
        check_unreadable(index)
        + check_totals(index)
        + check_same_figure(index)
        + check_differences(index)
        + check_shares(index)
        + check_relations(index, report_year)
    )
    if warehouse is not None:
        findings += check_warehouse(index, Path(warehouse))
    order = {(c.table, c.row, c.column): c.order for c in cells}
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: (order.get((f.table, f.row, f.column), 0), f.rule))


def write_findings(findings: Iterable[Finding], out_csv: Path) -> None:
    """Write findings as CSV: table,row,column,published,expected,rule."""
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FINDING_COLUMNS)
        writer.writerows(f.as_tuple() for f in findings)
