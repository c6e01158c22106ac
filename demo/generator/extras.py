"""The contract's optional fields (complainant keys, areas, reopenings, remedy dates, the
equalities profile) and the contacts the council did not accept, for the demo delivery.

None of this touches the renderer's random stream, so every other value of every row (and
with it the calibration to the published report) is the same as without it: each value is
drawn from its own `random.Random`, seeded from the seed, a purpose and the case reference
through SHA-256 (never Python's salted `hash()`). Same seed and scale, same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from demo.generator.dates import EXTRACT, DateSampler
from demo.generator.model import Plan
from demo.generator.names import NO_SERVICE, recorded_directorate, recorded_service
from demo.generator.workdays import FY, PROJECT_DIR, YEARS, iso

AREA_POPULATIONS = PROJECT_DIR / "seeds" / "area_populations.csv"
POPULATION_PROFILE = PROJECT_DIR / "seeds" / "population_profile.csv"
AREA_YEAR = "2022"  # mid-year population estimates the areas are weighted by

REPEAT_SHARE = 0.10  # stage 1 complaints by someone who complained 0-365 days before
# Of those repeats, about another service: asked of 18% so that ~15% of repeat complainants
# span services (complaints go out directorate by directorate, and the first one written,
# adult social care, has only one service, so its repeats find no other service before them).
OTHER_SERVICE_SHARE = 0.18
AREA_BLANK = 0.06
REOPENED_SHARE = 0.02  # of closed stage 1 complaints
PROFILE_SHARE = 0.55  # stage 1 complainants who return the (voluntary) monitoring form
PROFILE_FIELD_BLANK = 0.15
UNDER_18_FACTOR = 0.25  # complainants are mostly adults
DISABLED_FACTOR = 1.5  # disabled people are over-represented among complainants
NOT_ACCEPTED_SHARE = 0.07  # not-accepted contacts per stage 1 complaint received in a year
NOT_ACCEPTED_REASONS = (  # (reason, weight, reclassified as, share of those reclassified)
    ("Outside the complaints procedure", 0.30, "enquiry", 0.5),
    ("Service request", 0.25, "service_request", 1.0),
    ("Out of time", 0.15, "", 0.0),
    ("Legal proceedings", 0.10, "", 0.0),
    ("Matter already considered", 0.10, "", 0.0),
    ("", 0.10, "", 0.0),
)
FINANCIAL_REMEDY = "Financial remedy"
REMEDY_ON_TIME, REMEDY_LATE = 0.78, 0.14  # the rest outstanding (when recently due)
OUTSTANDING_WINDOW = 120  # days before the extract date a remedy may still be outstanding
MEMORY = 5000  # recent stage 1 complainants kept per service (and 4x that overall)
PROBES = 40


def side_rng(seed: int, *parts: object) -> random.Random:
    """A generator of its own for one purpose and one record, stable across runs."""
    text = "\x1f".join(str(p) for p in (seed, *parts))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def area_weights() -> dict[str, float]:
    """District code -> mid-2022 population (seeds/area_populations.csv)."""
    with AREA_POPULATIONS.open(encoding="utf-8", newline="") as handle:
        return {
            r["area_code"]: float(r["population"])
            for r in csv.DictReader(handle)
            if r["mid_year"] == AREA_YEAR
        }


def profile_weights() -> dict[str, dict[str, float]]:
    """Characteristic -> group -> weight among complainants (seeds/population_profile.csv,
    Under 18 at a quarter of its weight, Disabled at 1.5 times its population share)."""
    out: dict[str, dict[str, float]] = {}
    with POPULATION_PROFILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["characteristic"], {})[row["group_name"]] = float(row["population"])
    out["age_band"]["Under 18"] *= UNDER_18_FACTOR
    disability = out["disability"]
    share = DISABLED_FACTOR * disability["Disabled"] / sum(disability.values())
    out["disability"] = {"Disabled": share, "Not disabled": 1 - share}
    return out


class Chooser:
    """A weighted choice from fixed weights (cumulative weights computed once)."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.names = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum)[0]


@dataclass
class _Earlier:
    received: int
    key: str
    service: tuple[str, str]  # (directorate, service), canonical
    used: bool = False


class Extras:
    """The optional fields of each record, as the renderer writes it (in file order)."""

    def __init__(self, seed: int, plan: Plan, dates: DateSampler) -> None:
        self.seed = seed
        self.plan = plan
        self.dates = dates
        self.area = Chooser(area_weights())
        self.profile = {k: Chooser(v) for k, v in profile_weights().items()}
        self.keys: set[str] = set()
        self.by_service: dict[tuple[str, str], list[_Earlier]] = {}
        self.recent: list[_Earlier] = []

    # -- complainants

    def new_key(self, case_ref: str) -> str:
        for salt in itertools.count():
            digest = hashlib.sha256(f"{self.seed}\x1fkey\x1f{case_ref}\x1f{salt}".encode())
            key = "CK" + digest.hexdigest()[:10].upper()
            if key not in self.keys:
                self.keys.add(key)
                return key
        raise AssertionError("unreachable")

    def stage1_key(self, case_ref: str, directorate: str, service: str, received: int) -> str:
        """A new complainant's key, or (for about 10% of stage 1 complaints) the key of an
        earlier stage 1 complaint received 0 to 365 days before, mostly about the same
        service. Each earlier complaint is repeated at most once."""
        rng = side_rng(self.seed, "complainant", case_ref)
        here = (directorate, service)
        if rng.random() < REPEAT_SHARE:
            other_service = rng.random() < OTHER_SERVICE_SHARE
            pool = self.recent if other_service else self.by_service.get(here, [])
            for _ in range(PROBES if pool else 0):
                earlier = pool[rng.randrange(len(pool))]
                if (
                    not earlier.used
                    and received - 365 <= earlier.received <= received
                    and (earlier.service != here) == other_service
                ):
                    earlier.used = True
                    return earlier.key
        key = self.new_key(case_ref)
        entry = _Earlier(received, key, here)
        for pool, cap in (
            (self.by_service.setdefault(here, []), MEMORY),
            (self.recent, 4 * MEMORY),
        ):
            pool.append(entry)
            if len(pool) > cap:
                del pool[: cap // 5]  # the oldest written (complaints go year by year)
        return key

    def area_code(self, case_ref: str, key: str) -> str:
        """The complainant's district (the same for all their records), blank on ~6%."""
        if side_rng(self.seed, "area recorded", case_ref).random() < AREA_BLANK:
            return ""
        return self.area(side_rng(self.seed, "area", key))

    def reopened(self, case_ref: str, closed: int) -> str:
        """~2% of closed stage 1 complaints reopen 5 to 60 days after the reply."""
        rng = side_rng(self.seed, "reopened", case_ref)
        if rng.random() >= REOPENED_SHARE:
            return ""
        last = min(closed + 60, EXTRACT)
        return iso(rng.randint(closed + 5, last)) if last >= closed + 5 else ""

    def profile_row(self, case_ref: str, key: str) -> list[str] | None:
        """The equalities monitoring of a stage 1 complaint (~55% return it), each answer
        blank ~15% of the time; the answers are the complainant's (drawn from the key)."""
        rng = side_rng(self.seed, "profile", case_ref)
        if rng.random() >= PROFILE_SHARE:
            return None
        person = side_rng(self.seed, "person", key)
        answers = [choose(person) for choose in self.profile.values()]
        return [case_ref] + ["" if rng.random() < PROFILE_FIELD_BLANK else a for a in answers]

    # -- remedies

    def action_dates(
        self, case_ref: str, action: str, closed: int, paid: int | None
    ) -> tuple[str, str]:
        """(due_date, completed_date) of an action agreed in the reply of `closed`: due 10
        to 30 days later (a financial remedy 28), ~78% done by then, ~14% late, ~8% still
        outstanding (only when due within 120 days of the extract date; else late). A
        financial remedy with a local payment is completed on the day it was paid."""
        rng = side_rng(self.seed, "action", case_ref, action)
        due = closed + (28 if action == FINANCIAL_REMEDY else rng.randint(10, 30))
        r = rng.random()
        if action == FINANCIAL_REMEDY and paid is not None:
            done: int | None = paid
        elif r < REMEDY_ON_TIME:
            done = rng.randint(closed, due)
        elif r < REMEDY_ON_TIME + REMEDY_LATE or due < EXTRACT - OUTSTANDING_WINDOW:
            done = due + rng.randint(1, 45)
        else:
            done = None
        if done is not None and done > EXTRACT:
            done = None  # not done yet on the extract date
        return iso(due), iso(done) if done is not None else ""

    # -- contacts not accepted as complaints

    def not_accepted_rows(self) -> Iterator[list[object]]:
        """Contacts recorded as complaints that the council did not accept (~7% of the stage
        1 complaints received each year), in the cases file's column order."""
        plan = self.plan
        for year in YEARS:
            received_by_directorate: dict[str, int] = {}
            for (s, d, r, _c, _o), n in sorted(plan.complaint_cells.items()):
                if s == 1 and r == year:
                    received_by_directorate[d] = received_by_directorate.get(d, 0) + n
            total = sum(received_by_directorate.values())
            directorates = Chooser({d: n for d, n in received_by_directorate.items() if n})
            channels = Chooser(
                {k: n for k, n in plan.channels.get((year, "complaint_1"), {}).items() if n}
                or {"email": 1.0}
            )
            fy = FY[year]
            for i in range(1, round(NOT_ACCEPTED_SHARE * total) + 1):
                case_ref = f"NAC-{year[:4]}-{i:07d}"
                rng = side_rng(self.seed, "not accepted", case_ref)
                d = directorates(rng)
                services = {k: n for k, n in plan.services[(d, year)].items() if n}
                service = Chooser(services)(rng) if services else NO_SERVICE
                channel = channels(rng)
                received = self.dates.day_in(rng, fy.start, min(fy.end, EXTRACT - 1))
                closed = min(received + rng.randint(1, 10), EXTRACT)
                r, acc = rng.random(), 0.0
                reason, reclassified = "", ""
                for name, weight, instead, share in NOT_ACCEPTED_REASONS:
                    acc += weight
                    if r < acc:
                        reason = name
                        reclassified = instead if rng.random() < share else ""
                        break
                key = self.new_key(case_ref)
                seconds = rng.randint(8 * 3600, 18 * 3600)
                yield [
                    case_ref,
                    "",
                    "complaint",
                    1,
                    "corporate",
                    recorded_directorate(d, received, rng),
                    recorded_service(service, received, rng),
                    "" if channel == "not_recorded" else channel,
                    iso(received),
                    "",
                    iso(self.dates.due(received, 20)),
                    "",
                    iso(closed),
                    "not_accepted",
                    "",
                    "",
                    "",
                    "",
                    f"{iso(closed)} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
                    f":{seconds % 60:02d}",
                    key,
                    self.area_code(case_ref, key),
                    reason,
                    reclassified,
                    "",
                ]
