"""Money and the Ombudsman log: payments by directorate and reason to the penny, and the
council's LGSCO cases, linked to the complaints they came from."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from decimal import Decimal

from demo.generator.allocation import apportion, balanced_matrix
from demo.generator.model import NOT_SENT, LogEntry, Plan, PlanError
from demo.generator.names import ASCH, DIRECTORATES, PAYMENT_REASON_PRIORS, TYPICAL_PAYMENT
from demo.generator.targets import Targets
from demo.generator.workdays import OPEN, YEARS

ROUND_REASONS = ("Goodwill", "Distress and uncertainty", "Time and trouble", "Legal costs")


class MoneyPlanner:
    """Adds the Ombudsman log and the payments to a plan whose complaints are planned."""

    def __init__(self, targets: Targets, rng: random.Random, strict: bool) -> None:
        self.t = targets
        self.rng = rng
        self.strict = strict

    def add_to(self, plan: Plan) -> None:
        entries = self._log_entries(plan)
        lgsco_groups: dict[tuple[str, str], list[LogEntry]] = defaultdict(list)
        for e in entries:
            if e.link and e.council_outcome == "upheld":
                lgsco_groups[(e.decision_year, e.directorate)].append(e)
        capacity: dict[tuple[str, str], int] = {}
        for y in YEARS:
            for d in DIRECTORATES:
                capacity[(d, y)] = plan.responses(d, 1, y, ("upheld", "partly_upheld"))
        for y in YEARS:
            groups = []
            for kind in ("local", "following_lgsco"):
                for d in DIRECTORATES:
                    n = self.t.count("payments", y, d, kind, "count")
                    amount = self.t.amount("payments", y, d, kind)
                    if kind == "local" and n > capacity[(d, y)]:
                        n = capacity[(d, y)]
                    if kind == "following_lgsco" and n and not lgsco_groups[(y, d)]:
                        if self.strict:
                            raise PlanError(f"{y} {d}: payments following LGSCO with no case")
                        n = 0
                    if n and amount > 0:
                        groups.append((d, kind, n, amount))
            if not groups:
                continue
            want = self.t.items("payment_reasons", y)
            reasons = list(want)
            cols = apportion([want[r] for r in reasons], sum(g[2] for g in groups))
            prior = [
                [
                    PAYMENT_REASON_PRIORS[d if kind == "local" else kind].get(r, 0.05)
                    for r in reasons
                ]
                for d, kind, _n, _a in groups
            ]
            matrix = balanced_matrix([g[2] for g in groups], cols, prior)
            for (d, kind, _n, amount), row in zip(groups, matrix, strict=True):
                listed = [r for r, k in zip(reasons, row, strict=True) for _ in range(k)]
                self.rng.shuffle(listed)
                payments = list(zip(listed, self._amounts(listed, amount), strict=True))
                if kind == "local":
                    plan.local_payments[(d, y)] = payments
                else:
                    targets = lgsco_groups[(y, d)]
                    for i, payment in enumerate(payments):
                        targets[i % len(targets)].payments.append(payment)
        plan.lgsco_entries = entries

    def _amounts(self, reasons: list[str], total: Decimal) -> list[int]:
        """Pence per payment adding to `total` exactly: goodwill-type payments in round pounds."""
        pence = int((total * 100).to_integral_value())
        weights = [TYPICAL_PAYMENT[r] * self.rng.lognormvariate(0, 0.6) for r in reasons]
        raw = apportion(weights, pence)
        out = []
        for r, p in zip(reasons, raw, strict=True):
            out.append(max(2500, p - p % 2500) if r in ROUND_REASONS else p)
        residual = pence - sum(out)
        order = sorted(range(len(out)), key=lambda i: (reasons[i] in ROUND_REASONS, -out[i]))
        for i in order:  # give the difference to penny amounts (refunds, waivers) first
            if residual == 0:
                break
            change = max(residual, 1 - out[i])
            out[i] += change
            residual -= change
        if residual:
            raise PlanError(f"cannot split £{total} into {len(reasons)} payments")
        return out

    def _log_entries(self, plan: Plan) -> list[LogEntry]:
        entries: list[LogEntry] = []
        capacity: Counter[tuple[str, int, str]] = Counter()
        for (s, d, _r, c, o), n in plan.complaint_cells.items():
            if c != OPEN and o in (
                "upheld",
                "partly_upheld",
                "not_upheld",
                "resolved_upon_receipt",
            ):
                capacity[(d, s, c)] += n
        used: Counter[tuple[str, int, str]] = Counter()
        serial: Counter[int] = Counter()
        order = {"upheld": 0, "not_upheld": 1, "closed": 2, "premature": 3}
        rows = sorted(self.t.rows("lgsco_cases"), key=lambda kv: (kv[0][0], order[kv[0][3]], kv[0]))
        for (y, d, service, outcome), value in rows:
            for _ in range(int(value)):
                yi = YEARS.index(y)
                yy = int(y[:4]) % 100 - (1 if self.rng.random() < 0.6 else 0)
                serial[yy] += self.rng.randint(1, 40)
                ref = f"{yy:02d} {serial[yy] // 1000 + 1:03d} {serial[yy] % 1000:03d}"
                entry = LogEntry(ref, d, service, outcome, y)
                if yi and service != NOT_SENT and outcome != "premature":
                    stratum = (d, 1 if d == ASCH else 2, YEARS[yi - 1])
                    if used[stratum] < capacity[stratum]:
                        used[stratum] += 1
                        entry.link = stratum
                entries.append(entry)
        return entries
