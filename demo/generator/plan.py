"""The plan: every count the demo must hit, worked out jointly before any row is written.

Targets constrain the same cases through different tables (received by directorate and
service, closed by directorate, outcomes, reasons, upheld reasons by directorate, delay
reasons, channels, escalations, payments, the Ombudsman log). The plan resolves them into
*cells* (complaints by stage, directorate, year received, year closed and outcome) and
*urns* (exact counts of the remaining attributes for each group of cells), so that any
order of drawing reproduces every target. Rendering only picks dates and references.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from demo.generator.allocation import Urn, apportion, apportion_map, balanced_matrix
from demo.generator.flows import flow_matrix
from demo.generator.model import (
    ON_TIME,
    REPORT_YEAR,
    CellKey,
    ChildSpec,
    LogEntry,
    Plan,
    PlanError,
    outcome_class,
    parent_class,
)
from demo.generator.money import MoneyPlanner
from demo.generator.names import (
    ACTION_CLASS_WEIGHTS,
    ACTIONS,
    CHANNEL_PRIORS,
    DIRECTORATES,
    NOT_RECORDED,
    OUTCOMES,
)
from demo.generator.targets import Targets
from demo.generator.workdays import OPEN, YEARS, year_gap


class Planner:
    """Builds a `Plan` from (scaled) targets; deterministic for a seed."""

    def __init__(self, targets: Targets, seed: int) -> None:
        self.t = targets
        self.strict = targets.scale == 1
        self.rng = random.Random(f"{seed}:plan")
        self.notes: list[str] = []

    def build(self) -> Plan:
        cells = self._complaint_cells()
        upheld_s1, upheld_s2 = self._upheld_reasons(cells)
        reason_sets = self._reason_sets(cells, upheld_s1)
        children, bypassed = self._escalations(cells)
        plan = Plan(
            complaint_cells=cells,
            bypassed_cells=bypassed,
            feedback_cells=self._feedback_cells(),
            other_received={
                (y, kind): n for y in YEARS for kind, n in self.t.items("other_received", y).items()
            },
            services={
                (d, y): self.t.items("stage1_received", y, d) for d in DIRECTORATES for y in YEARS
            },
            reason_sets=reason_sets,
            upheld_reasons_s1=upheld_s1,
            upheld_reasons_s2=upheld_s2,
            stage2_reasons={
                r: float(n)
                for r, n in self.t.items("complaint_reasons", REPORT_YEAR).items()
                if r != "Blank" and n
            },
            channels=self._channels(),
            lateness=self._lateness(cells),
            children=children,
            actions=self._actions(cells),
            local_payments={},
            lgsco_entries=[],
            member_conduct=[
                (y, outcome)
                for y in YEARS
                for outcome, n in self.t.items("member_conduct", y).items()
                for _ in range(n)
            ],
            scale=self.t.scale,
        )
        MoneyPlanner(self.t, self.rng, self.strict).add_to(plan)
        plan.notes = self.notes
        return plan

    # -- complaints: flows and outcomes

    def _complaint_cells(self) -> dict[CellKey, int]:
        cells: dict[CellKey, int] = {}
        for stage in (1, 2):
            flows = {}
            for d in DIRECTORATES:
                if stage == 1:
                    received = [sum(self.t.items("stage1_received", y, d).values()) for y in YEARS]
                else:
                    received = [self.t.count("stage2_received", y, d) for y in YEARS]
                closed = [self.t.count(f"stage{stage}_closed", y, d) for y in YEARS]
                flows[d] = flow_matrix(received, closed, 0.03 if stage == 1 else 0.0, self.strict)
            for c in YEARS:
                closed_by_d = [
                    sum(n for (r, cc), n in flows[d].items() if cc == c) for d in DIRECTORATES
                ]
                by_d = self._outcomes_by_directorate(stage, c, closed_by_d)
                for d, outcome_counts in zip(DIRECTORATES, by_d, strict=True):
                    cohorts = [(r, n) for (r, cc), n in sorted(flows[d].items()) if cc == c]
                    self._split_cohorts(cells, stage, d, c, cohorts, outcome_counts)
            for d in DIRECTORATES:
                for (r, c), n in sorted(flows[d].items()):
                    if c == OPEN:
                        cells[(stage, d, r, OPEN, "open")] = n
        return cells

    def _outcomes_by_directorate(self, stage: int, year: str, closed: list[int]) -> list[list[int]]:
        targets = self.t.items(f"stage{stage}_outcome", year)
        totals = apportion([targets.get(o, 0) for o in OUTCOMES], sum(closed))
        prior = OUTCOME_PRIORS[stage]
        fixed = [0] * len(DIRECTORATES)
        if year == REPORT_YEAR:  # Table 9 fixes upheld complaints by directorate
            for i, d in enumerate(DIRECTORATES):
                s2 = sum(self.t.items("stage2_upheld_primary_reason", year, d).values())
                both = sum(self.t.items("upheld_primary_reason", year, d).values())
                fixed[i] = min(closed[i], s2 if stage == 2 else both - s2)
            up = OUTCOMES.index("upheld")
            if sum(fixed) != totals[up] and self.strict:
                raise PlanError(f"stage {stage} upheld {totals[up]} != Table 9 {sum(fixed)}")
        rest_cols = [o for o in OUTCOMES if o != "upheld" or year != REPORT_YEAR]
        rows = [closed[i] - fixed[i] for i in range(len(DIRECTORATES))]
        # the directorates' upheld complaints are fixed; the other outcomes share the rest
        cols = apportion([totals[OUTCOMES.index(o)] for o in rest_cols], sum(rows))
        matrix = balanced_matrix(
            rows, cols, [[prior[d][OUTCOMES.index(o)] for o in rest_cols] for d in DIRECTORATES]
        )
        out = []
        for i in range(len(DIRECTORATES)):
            row = dict(zip(rest_cols, matrix[i], strict=True))
            row.setdefault("upheld", fixed[i])
            out.append([row[o] for o in OUTCOMES])
        return out

    def _split_cohorts(
        self,
        cells: dict[CellKey, int],
        stage: int,
        d: str,
        closed_year: str,
        cohorts: list[tuple[str, int]],
        outcome_counts: list[int],
    ) -> None:
        if not cohorts:
            return
        prior = []
        for r, _n in cohorts:
            gap = year_gap(r, closed_year)
            row = []
            for o, total in zip(OUTCOMES, outcome_counts, strict=True):
                factor = 1.0
                if gap:
                    factor = {"upheld": 2.5 if stage == 1 else 1.0, "withdrawn": 0.5}.get(o, 1.0)
                    if o == "resolved_upon_receipt":
                        factor = 0.0  # resolved on receipt is answered within days
                row.append(total * factor)
            prior.append(row)
        matrix = balanced_matrix([n for _r, n in cohorts], outcome_counts, prior)
        for (r, _n), row in zip(cohorts, matrix, strict=True):
            for o, n in zip(OUTCOMES, row, strict=True):
                if n:
                    cells[(stage, d, r, closed_year, o)] = n

    # -- reasons

    def _upheld_reasons(
        self, cells: dict[CellKey, int]
    ) -> tuple[dict[tuple[str, str], dict[str, int]], dict[str, dict[str, int]]]:
        """Primary reasons of complaints upheld and answered in the report year (Table 9)."""
        y = REPORT_YEAR
        upheld_s2 = {}
        for d in DIRECTORATES:
            want = self.t.items("stage2_upheld_primary_reason", y, d)
            n = sum(
                v for (s, dd, _r, c, o), v in cells.items() if (s, dd, c, o) == (2, d, y, "upheld")
            )
            upheld_s2[d] = apportion_map(want, n) if want else {}
        supply = {r: dict(self.t.items("complaint_reasons", r)) for r in YEARS}
        for year_supply in supply.values():
            year_supply.pop("Blank", None)
        out: dict[tuple[str, str], dict[str, int]] = {}
        for d in DIRECTORATES:
            both = self.t.items("upheld_primary_reason", y, d)
            need = {r: max(0, n - upheld_s2[d].get(r, 0)) for r, n in both.items()}
            cohorts = {
                r: v
                for (s, dd, r, c, o), v in sorted(cells.items())
                if (s, dd, c, o) == (1, d, y, "upheld")
            }
            if sum(need.values()) != sum(cohorts.values()):
                if self.strict:
                    raise PlanError(
                        f"{d}: Table 9 stage 1 {sum(need.values())} != {sum(cohorts.values())}"
                    )
                need = apportion_map(need or {"Quality of service": 1}, sum(cohorts.values()))
            left = dict(cohorts)
            alloc: dict[str, Counter[str]] = {r: Counter() for r in cohorts}
            for reason in sorted(need, key=lambda x: supply[y].get(x, 0) - 2 * need[x]):
                scarce = supply[y].get(reason, 0) < 2 * sum(
                    max(0, self.t.count("upheld_primary_reason", y, dd, reason))
                    for dd in DIRECTORATES
                )
                if not scarce:
                    continue
                # too few in the year's own complaints: take from the backlog years first
                for r in sorted(cohorts, key=lambda rr: (-supply[rr].get(reason, 0), rr)):
                    take = min(need[reason], left[r], supply[r].get(reason, 0))
                    if take > 0:
                        alloc[r][reason] += take
                        left[r] -= take
                        need[reason] -= take
                        supply[r][reason] -= take
            reasons = [r for r in need if need[r] > 0]
            rows = list(cohorts)
            if reasons and rows:
                matrix = balanced_matrix(
                    [left[r] for r in rows],
                    [need[x] for x in reasons],
                    [[max(supply[r].get(x, 0), 0) + 1e-6 for x in reasons] for r in rows],
                )
                for r, row in zip(rows, matrix, strict=True):
                    for x, n in zip(reasons, row, strict=True):
                        alloc[r][x] += n
                        supply[r][x] = supply[r].get(x, 0) - n
            for r in rows:
                out[(d, r)] = dict(alloc[r])
        for r, year_supply in supply.items():
            short = {x: -n for x, n in year_supply.items() if n < 0}
            if short:
                message = (
                    f"complaint reasons {r}: upheld complaints need more than recorded {short}"
                )
                if self.strict:
                    raise PlanError(message)
                self.notes.append(message)
        return out, upheld_s2

    def _reason_sets(
        self, cells: dict[CellKey, int], reserved: dict[tuple[str, str], dict[str, int]]
    ) -> dict[str, dict[tuple[str, ...], int]]:
        """Per year received, the reason sets of stage 1 complaints (Table 8): every reason row
        of the table is on one complaint; 'Blank' complaints have none."""
        out = {}
        for y in YEARS:
            rows = dict(self.t.items("complaint_reasons", y))
            blank = rows.pop("Blank", 0)
            for (_d, r), counts in reserved.items():
                if r == y:
                    for reason, n in counts.items():
                        rows[reason] = max(0, rows.get(reason, 0) - n)
            received = sum(n for (s, _d, r, _c, _o), n in cells.items() if s == 1 and r == y)
            n_reserved = sum(sum(c.values()) for (_d, r), c in reserved.items() if r == y)
            drawers = received - n_reserved
            blank = min(blank, drawers)
            total_rows = sum(rows.values())
            if total_rows < drawers - blank:  # too few reasons: the rest are blank
                if self.strict:
                    raise PlanError(f"{y}: {drawers - blank} complaints but {total_rows} reasons")
                blank = drawers - total_rows
            if total_rows > 2 * (drawers - blank):
                if self.strict:
                    raise PlanError(f"{y}: too many reasons for the complaints")
                rows = apportion_map(rows, 2 * (drawers - blank))
                total_rows = sum(rows.values())
            pairs = total_rows - (drawers - blank)
            urn = Urn(rows)
            sets: Counter[tuple[str, ...]] = Counter()
            for _ in range(pairs):
                first = urn.draw(self.rng)
                second = None
                for _try in range(50):
                    candidate = urn.draw(self.rng)
                    if candidate != first:
                        second = candidate
                        break
                    urn.counts[urn.keys.index(candidate)] += 1
                    urn.total += 1
                if second is None:
                    raise PlanError(f"{y}: cannot pair reason {first!r} with another")
                sets[(first, second)] += 1
            for reason, n in urn.remaining().items():
                sets[(reason,)] += n
            sets[()] += blank
            out[y] = dict(sorted(sets.items()))
        return out

    # -- escalations to stage 2

    def _escalations(
        self, cells: dict[CellKey, int]
    ) -> tuple[dict[tuple[str, str, str], list[ChildSpec]], dict[CellKey, int]]:
        s2 = {k: n for k, n in sorted(cells.items()) if k[0] == 2}
        origin: dict[CellKey, tuple[int, int, int]] = {}  # parent up, parent other, bypassed
        upheld_keys = [k for k in s2 if k[3] == REPORT_YEAR and k[4] in ("upheld", "partly_upheld")]
        totals = apportion(
            [
                self.t.count("stage2_upheld_origin", REPORT_YEAR, "", item)
                for item in ("already_upheld_at_stage1", "stage1_overturned", "bypassed_stage1")
            ],
            sum(s2[k] for k in upheld_keys),
        )
        if upheld_keys:
            matrix = balanced_matrix(
                [s2[k] for k in upheld_keys], totals, [[61, 15, 82] for _ in upheld_keys]
            )
            for k, row in zip(upheld_keys, matrix, strict=True):
                origin[k] = (row[0], row[1], row[2])
        for k, n in s2.items():
            if k not in origin:
                up, other, bypass = apportion([0.3, 0.5, 0.2], n)
                origin[k] = (up, other, bypass)
        capacity: dict[tuple[str, str, str], int] = Counter()
        for (s, d, _r, c, o), n in cells.items():
            if s == 1 and o in ("upheld", "partly_upheld", "not_upheld", "resolved_upon_receipt"):
                capacity[(d, c, parent_class(o))] += n
        children: dict[tuple[str, str, str], list[ChildSpec]] = defaultdict(list)
        bypassed: dict[CellKey, int] = {}
        for k, (up, other, bypass) in origin.items():
            _s, d, r, c, o = k
            ri = YEARS.index(r)
            years = (r, YEARS[ri - 1]) if ri else (r,)  # stage 1 closed this year or last
            for cls, n in (("up", up), ("other", other)):
                split = apportion([0.65, 0.35], n) if ri else [n]
                for preferred, m in zip(years, split, strict=True):
                    options = [preferred] + [y for y in years if y != preferred]
                    for _ in range(m):
                        home = next((y for y in options if capacity[(d, y, cls)] > 0), None)
                        if home is None:
                            if cls == "up" and c == REPORT_YEAR and self.strict:
                                raise PlanError(f"no stage 1 parent for {k}")
                            bypass += 1
                            continue
                        capacity[(d, home, cls)] -= 1
                        children[(d, home, cls)].append(ChildSpec(d, r, c, o))
            if bypass:
                bypassed[k] = bypass
        return dict(children), bypassed

    # -- comments and compliments

    def _feedback_cells(self) -> dict[tuple[str, str, str, str], int]:
        out = {}
        for kind, measure in (("comment", "comments"), ("compliment", "compliments")):
            for d in DIRECTORATES:
                received = [self.t.count(f"{measure}_received", y, d) for y in YEARS]
                closed = [self.t.count(f"{measure}_closed", y, d) for y in YEARS]
                for (r, c), n in flow_matrix(received, closed, 0.0, self.strict).items():
                    out[(kind, d, r, c)] = n
        return out

    # -- channels

    def _channels(self) -> dict[tuple[str, str], dict[str, int]]:
        out = {}
        for y in YEARS:
            kinds = {
                "complaint_1": sum(
                    sum(self.t.items("stage1_received", y, d).values()) for d in DIRECTORATES
                ),
                "complaint_2": sum(self.t.count("stage2_received", y, d) for d in DIRECTORATES),
                "comment": sum(self.t.count("comments_received", y, d) for d in DIRECTORATES),
                "compliment": sum(self.t.count("compliments_received", y, d) for d in DIRECTORATES),
                "informal_concern": self.t.count("other_received", y, "", "informal_concern"),
            }
            want = self.t.items("channel_received", y)
            channels = list(want)
            cols = apportion([want[c] for c in channels], sum(kinds.values()))
            if self.strict and cols != [want[c] for c in channels]:
                raise PlanError(f"{y}: channel volumes do not add up to the feedback received")
            matrix = balanced_matrix(
                list(kinds.values()),
                cols,
                [
                    [CHANNEL_PRIORS[kind][c] * (1 if want[c] else 0) for c in channels]
                    for kind in kinds
                ],
            )
            for kind, row in zip(kinds, matrix, strict=True):
                out[(y, kind)] = dict(zip(channels, row, strict=True))
        return out

    # -- timeliness

    def _lateness(self, cells: dict[CellKey, int]) -> dict[tuple[str, str, int], dict[str, int]]:
        """Per directorate and year closed, by years between receipt and closure (0, 1, 2+):
        exact counts of late responses by delay reason, the rest on time."""
        out = {}
        for d in DIRECTORATES:
            for c in YEARS:
                by_gap = [0, 0, 0]
                for (_s, dd, r, cc, o), n in cells.items():
                    if dd == d and cc == c and o in ("upheld", "partly_upheld", "not_upheld"):
                        by_gap[min(2, year_gap(r, c))] += n
                late = {x: n for x, n in self.t.items("late_responses", c, d).items() if n}
                total_late = sum(late.values())
                if total_late > sum(by_gap) or total_late < by_gap[2]:
                    if self.strict:
                        raise PlanError(f"{d} {c}: {total_late} late of {by_gap} responses")
                    target = min(max(total_late, by_gap[2]), sum(by_gap))
                    late = apportion_map(late or {NOT_RECORDED: 1}, target)
                    total_late = target
                late2 = by_gap[2]
                late1 = min(by_gap[1], max(0, min(round(0.85 * by_gap[1]), total_late - late2)))
                late0 = total_late - late2 - late1
                if late0 > by_gap[0]:
                    late1 += late0 - by_gap[0]
                    late0 = by_gap[0]
                reasons = list(late)
                matrix = balanced_matrix(
                    [late0, late1, late2], [late[x] for x in reasons], [[1] * len(reasons)] * 3
                )
                for gap in range(3):
                    counts = dict(zip(reasons, matrix[gap], strict=True))
                    counts[ON_TIME] = by_gap[gap] - sum(counts.values())
                    out[(d, c, gap)] = counts
        return out

    # -- remedy actions

    def _actions(self, cells: dict[CellKey, int]) -> dict[tuple[str, int, str], dict[str, int]]:
        strata: Counter[tuple[str, int, str]] = Counter()
        for (s, _d, _r, c, o), n in cells.items():
            if c != OPEN and o != "withdrawn":
                strata[(c, s, outcome_class(o))] += n
        classes = ("up", "nu", "rur")
        ref = {cls: strata[(REPORT_YEAR, 1, cls)] for cls in classes}
        published = self.t.items("remedy_actions", REPORT_YEAR)
        split: dict[str, dict[str, int]] = {}
        for action in ACTIONS:
            k = published.get(action, 0)
            weights = [ACTION_CLASS_WEIGHTS[action][i] * ref[cls] for i, cls in enumerate(classes)]
            parts = apportion(weights, k) if k else [0, 0, 0]
            for i, cls in enumerate(classes):  # never more complaints than there are
                over = parts[i] - ref[cls]
                if over > 0:
                    parts[i] -= over
                    for j, other in enumerate(classes):
                        room = ref[other] - parts[j]
                        if j != i and room > 0 and weights[j] > 0:
                            moved = min(room, over)
                            parts[j] += moved
                            over -= moved
            split[action] = dict(zip(classes, parts, strict=True))
        out = {}
        for (c, s, cls), n in sorted(strata.items()):
            counts = {}
            for action in ACTIONS:
                if (c, s) == (REPORT_YEAR, 1):
                    k = split[action][cls]
                else:
                    rate = split[action][cls] / ref[cls] if ref[cls] else 0.0
                    k = min(n, round(rate * n * (0.8 if s == 2 else 1.0)))
                counts[action] = k
            out[(c, s, cls)] = counts
        return out

    # -- money and the Ombudsman log


OUTCOME_PRIORS = {
    1: {
        "Adult Social Care and Health": (50, 25, 18, 4, 3),
        "Children, Young People and Education": (45, 35, 12, 5, 3),
        "Growth, Environment and Transport": (60, 15, 8, 15, 2),
        "Chief Executive and Deputy Chief Executive Departments": (55, 18, 10, 15, 2),
    },
    2: {
        "Adult Social Care and Health": (45, 30, 20, 0.5, 5),
        "Children, Young People and Education": (50, 30, 13, 3, 4),
        "Growth, Environment and Transport": (60, 18, 13, 3, 6),
        "Chief Executive and Deputy Chief Executive Departments": (55, 25, 15, 0.5, 5),
    },
}


def build_plan(targets: Targets, seed: int) -> Plan:
    return Planner(targets, seed).build()


__all__ = ["ON_TIME", "ChildSpec", "LogEntry", "Plan", "PlanError", "build_plan"]
