"""The LGSCO's all-authorities annual statistics for the demo, 2021/22 to 2023/24.

Kent County Council's figures are those it published (Tables 16 and 17 and section 9 of its
2023/24 report, and its statistics page on the Ombudsman's site). The other authorities are
invented, deterministically (a seeded generator per year), and then nudged one case at a
time until the averages the report quotes come out as published:

* county councils' mean uphold rate 80% (2022/23) and 85% (2023/24);
* the national mean uphold rate 84% in both years;
* county councils' mean satisfactory remedy rate 7% (2023/24);
* county councils' mean upheld per 100,000 residents 4.5 (2023/24).

Three CSV files a year, laid out like the Ombudsman's (title and note lines above the
header row): complaints received by subject area, complaints decided (the scheme used
until 2023-24), and remedy and compliance (with upheld per 100,000 residents, so that the
marts need no populations).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "AUTHORITIES",
    "TARGETS",
    "YEARS",
    "AuthorityYear",
    "statistics_files",
    "write_statistics",
    "yearly_figures",
]

YEARS = ("2021/22", "2022/23", "2023/24")
KENT = "Kent County Council"

SUBJECT_AREAS = (
    "Adult care services",
    "Benefits and tax",
    "Corporate and other services",
    "Education and children\u2019s services",
    "Environmental services",
    "Highways and transport",
    "Housing",
    "Planning and development",
    "Other",
)

# name, authority type, population (rounded mid-2022 estimates)
AUTHORITIES: tuple[tuple[str, str, int], ...] = (
    ("Cambridgeshire County Council", "County", 690_000),
    ("Derbyshire County Council", "County", 802_000),
    ("Devon County Council", "County", 820_000),
    ("East Sussex County Council", "County", 548_000),
    ("Essex County Council", "County", 1_503_000),
    ("Gloucestershire County Council", "County", 645_000),
    ("Hampshire County Council", "County", 1_400_000),
    ("Hertfordshire County Council", "County", 1_198_000),
    (KENT, "County", 1_590_000),
    ("Lancashire County Council", "County", 1_235_000),
    ("Leicestershire County Council", "County", 721_000),
    ("Lincolnshire County Council", "County", 768_000),
    ("Norfolk County Council", "County", 921_000),
    ("Nottinghamshire County Council", "County", 833_000),
    ("Oxfordshire County Council", "County", 735_000),
    ("Staffordshire County Council", "County", 883_000),
    ("Suffolk County Council", "County", 768_000),
    ("Surrey County Council", "County", 1_214_500),
    ("Warwickshire County Council", "County", 605_000),
    ("West Sussex County Council", "County", 890_000),
    ("Worcestershire County Council", "County", 606_000),
    ("Brighton & Hove City Council", "Unitary", 277_100),
    ("Bristol City Council", "Unitary", 473_000),
    ("Cornwall Council", "Unitary", 575_000),
    ("Medway Council", "Unitary", 281_000),
    ("Canterbury City Council", "District", 158_000),
    ("Sevenoaks District Council", "District", 121_000),
    ("Tunbridge Wells Borough Council", "District", 116_000),
    ("Leeds City Council", "Metropolitan", 822_000),
    ("Manchester City Council", "Metropolitan", 568_000),
    ("Birmingham City Council", "Metropolitan", 1_157_000),
    ("London Borough of Croydon", "London Borough", 392_000),
    ("London Borough of Lambeth", "London Borough", 317_000),
)


@dataclass(frozen=True)
class Targets:
    """What the year's averages must come to (mean of the authorities' rates)."""

    county_uphold: float
    national_uphold: float
    county_per_100k: float
    county_satisfactory_remedy: float


TARGETS = {
    "2021/22": Targets(0.70, 0.72, 3.2, 0.10),
    "2022/23": Targets(0.80, 0.84, 3.6, 0.09),
    "2023/24": Targets(0.85, 0.84, 4.5, 0.07),
}


@dataclass
class AuthorityYear:
    """One authority's published figures for one year."""

    name: str
    authority_type: str
    population: int
    received: dict[str, int] = field(default_factory=dict)
    upheld: int = 0
    not_upheld: int = 0
    advice_given: int = 0
    closed_after_initial_enquiries: int = 0
    incomplete_or_invalid: int = 0
    referred_back: int = 0
    satisfactory_remedy: int = 0
    compliance_satisfied: int = 0
    compliance_outcomes: int = 0
    per_100k: float | None = None  # published value; None: from the population

    @property
    def decided_total(self) -> int:
        return (
            self.upheld
            + self.not_upheld
            + self.advice_given
            + self.closed_after_initial_enquiries
            + self.incomplete_or_invalid
            + self.referred_back
        )

    @property
    def uphold_rate(self) -> float | None:
        investigated = self.upheld + self.not_upheld
        return self.upheld / investigated if investigated else None

    @property
    def satisfactory_remedy_rate(self) -> float | None:
        return self.satisfactory_remedy / self.upheld if self.upheld else None

    @property
    def upheld_per_100k(self) -> float:
        if self.per_100k is not None:
            return self.per_100k
        return round(100_000 * self.upheld / self.population, 1)


# Kent County Council as published: Table 16 (received), Table 17 (decided), section 9 and
# the statistics page (satisfactory remedy, compliance, upheld per 100,000). 2021/22's
# remedy and compliance figures are not in the report: invented.
KENT_RECEIVED = {
    "2023/24": (75, 0, 6, 186, 10, 22, 1, 1, 3),
    "2022/23": (67, 1, 4, 146, 5, 19, 0, 0, 1),
    "2021/22": (55, 0, 3, 96, 7, 20, 0, 1, 0),
}
# upheld, not upheld, advice given, closed after initial enquiries, incomplete/invalid,
# referred back for local resolution
KENT_DECIDED = {
    "2023/24": (76, 18, 2, 101, 16, 91),
    "2022/23": (53, 8, 7, 91, 8, 62),
    "2021/22": (65, 30, 0, 75, 2, 10),
}
# satisfactory remedy, compliance outcomes where satisfied, all compliance outcomes, per 100k
KENT_REMEDY = {
    "2023/24": (2, 62, 63, 4.8),
    "2022/23": (4, 51, 51, 3.4),
    "2021/22": (5, 58, 58, 4.2),
}

# Shares of complaints received by subject area, by authority type (SUBJECT_AREAS order).
AREA_SHARES = {
    "County": (0.26, 0.0, 0.02, 0.55, 0.04, 0.11, 0.005, 0.005, 0.01),
    "Unitary": (0.16, 0.07, 0.04, 0.22, 0.09, 0.09, 0.18, 0.12, 0.03),
    "Metropolitan": (0.17, 0.08, 0.04, 0.24, 0.09, 0.09, 0.18, 0.07, 0.04),
    "London Borough": (0.13, 0.10, 0.05, 0.18, 0.10, 0.10, 0.25, 0.06, 0.03),
    "District": (0.0, 0.14, 0.08, 0.0, 0.22, 0.04, 0.22, 0.28, 0.02),
}
# Upheld per 100,000 residents and uphold rate around which other types are drawn.
TYPE_PER_100K = {"Unitary": 5.5, "Metropolitan": 6.0, "London Borough": 7.0, "District": 2.5}


def _allocate(total: int, shares: tuple[float, ...]) -> list[int]:
    """``total`` split by ``shares`` to whole numbers (largest remainder)."""
    weight = sum(shares)
    raw = [total * s / weight for s in shares]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _nudge(
    movers: list[tuple[AuthorityYear, str]],
    mean: Callable[[], float],
    target: float,
    tolerance: float,
    floor: Callable[[AuthorityYear, str], int],
) -> None:
    """Move one case at a time (the best of all +1/-1 moves) until ``mean()`` is near
    ``target``; deterministic because ``movers`` is in a fixed order."""
    for _ in range(2000):
        gap = abs(mean() - target)
        if gap <= tolerance:
            return
        best: tuple[float, int, int] | None = None
        for index, (authority, attr) in enumerate(movers):
            for step in (1, -1):
                value = getattr(authority, attr)
                if value + step < floor(authority, attr):
                    continue
                setattr(authority, attr, value + step)
                new_gap = abs(mean() - target)
                setattr(authority, attr, value)
                if new_gap < gap and (best is None or new_gap < best[0]):
                    best = (new_gap, index, step)
        if best is None:
            break
        authority, attr = movers[best[1]]
        setattr(authority, attr, getattr(authority, attr) + best[2])
    raise AssertionError(f"could not bring the mean to {target} (at {mean()})")


def _mean(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return sum(present) / len(present)


def _figures(year: str) -> list[AuthorityYear]:
    rng = random.Random(f"lgsco-snapshot-{year}")
    targets = TARGETS[year]
    rows = [AuthorityYear(name, kind, population) for name, kind, population in AUTHORITIES]
    others = [a for a in rows if a.name != KENT]
    counties = [a for a in others if a.authority_type == "County"]
    non_county = [a for a in others if a.authority_type != "County"]
    n_county = len(counties) + 1
    # the other types must make up the national mean
    other_uphold = (targets.national_uphold * (len(rows)) - targets.county_uphold * n_county) / len(
        non_county
    )

    for a in others:
        county = a.authority_type == "County"
        centre = targets.county_per_100k if county else TYPE_PER_100K[a.authority_type]
        per_100k = centre * rng.uniform(0.6, 1.4)
        a.upheld = max(2, round(per_100k * a.population / 100_000))
        rate = (targets.county_uphold if county else other_uphold) + rng.uniform(-0.07, 0.07)
        rate = min(max(rate, 0.5), 0.97)
        a.not_upheld = max(0, round(a.upheld * (1 - rate) / rate))
        sr = (targets.county_satisfactory_remedy if county else 0.08) * rng.uniform(0.3, 1.7)
        a.satisfactory_remedy = round(a.upheld * sr)

    kent = next(a for a in rows if a.name == KENT)
    (
        kent.upheld,
        kent.not_upheld,
        kent.advice_given,
        kent.closed_after_initial_enquiries,
        kent.incomplete_or_invalid,
        kent.referred_back,
    ) = KENT_DECIDED[year]
    kent.satisfactory_remedy, kent.compliance_satisfied, kent.compliance_outcomes = KENT_REMEDY[
        year
    ][:3]
    kent.per_100k = KENT_REMEDY[year][3]
    kent.received = dict(zip(SUBJECT_AREAS, KENT_RECEIVED[year], strict=True))

    def floor(a: AuthorityYear, attr: str) -> int:
        return 2 if attr == "upheld" else 0

    county_rows = [kent, *counties]
    _nudge(
        [(a, "upheld") for a in counties],
        lambda: _mean([a.upheld_per_100k for a in county_rows]),
        targets.county_per_100k,
        0.01,
        floor,
    )
    _nudge(
        [(a, "not_upheld") for a in counties],
        lambda: _mean([a.uphold_rate for a in county_rows]),
        targets.county_uphold,
        0.0015,
        floor,
    )
    _nudge(
        [(a, "not_upheld") for a in non_county],
        lambda: _mean([a.uphold_rate for a in rows]),
        targets.national_uphold,
        0.0015,
        floor,
    )
    for a in others:  # keep satisfactory remedies below the upheld count
        a.satisfactory_remedy = min(a.satisfactory_remedy, a.upheld)
    _nudge(
        [(a, "satisfactory_remedy") for a in counties if a.upheld >= 8],
        lambda: _mean([a.satisfactory_remedy_rate for a in county_rows]),
        targets.county_satisfactory_remedy,
        0.0015,
        floor,
    )

    share_investigated = {"2021/22": 0.5, "2022/23": 0.3, "2023/24": 0.3}[year]
    for a in others:
        investigated = a.upheld + a.not_upheld
        decided = round(investigated / (share_investigated * rng.uniform(0.85, 1.15)))
        rest = max(0, decided - investigated)
        (
            a.advice_given,
            a.closed_after_initial_enquiries,
            a.incomplete_or_invalid,
            a.referred_back,
        ) = _allocate(rest, (0.01, 0.47, 0.06, 0.40 if year != "2021/22" else 0.10))
        received = round(a.decided_total * rng.uniform(0.95, 1.08))
        a.received = dict(
            zip(SUBJECT_AREAS, _allocate(received, AREA_SHARES[a.authority_type]), strict=True)
        )
        a.compliance_outcomes = round(a.upheld * rng.uniform(0.7, 1.0))
        missed = 1 if rng.random() < 0.3 and a.compliance_outcomes else 0
        a.compliance_satisfied = a.compliance_outcomes - missed
    return rows


_CACHE: dict[str, list[AuthorityYear]] = {}


def yearly_figures(year: str) -> list[AuthorityYear]:
    """Every authority's figures for ``year`` (one of :data:`YEARS`), sorted by name."""
    if year not in _CACHE:
        _CACHE[year] = sorted(_figures(year), key=lambda a: a.name)
    return _CACHE[year]


# --- files ------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    width = max(len(r) for r in rows)
    for row in rows:
        writer.writerow([*row, *[""] * (width - len(row))])
    return out.getvalue().encode("utf-8")


def _span(year: str) -> tuple[str, str]:
    first = int(year[:4])
    return f"{first}-{str(first + 1)[-2:]}", f"1 April {first} to 31 March {first + 1}"


def _received(year: str) -> bytes:
    _, span = _span(year)
    rows: list[list[object]] = [
        ["Local Government and Social Care Ombudsman"],
        [f"Complaints and enquiries received by local authority, {span}"],
        [],
        ["Note: figures include complaints referred back to the council for local resolution."],
        [],
        ["Organisation", "Authority type", *SUBJECT_AREAS, "Total"],
    ]
    for a in yearly_figures(year):
        counts = [a.received[area] for area in SUBJECT_AREAS]
        rows.append([a.name, a.authority_type, *counts, sum(counts)])
    rows += [[], ["Source: LGSCO annual review data (demo snapshot; invented except Kent)."]]
    return _csv(rows)


def _decided(year: str) -> bytes:
    short, _ = _span(year)
    figures = yearly_figures(year)
    similar = {
        kind: _mean([a.uphold_rate for a in figures if a.authority_type == kind])
        for kind in {a.authority_type for a in figures}
    }
    rows: list[list[object]] = [
        ["Local Government and Social Care Ombudsman"],
        [f"Complaints and enquiries decided {short}"],
        [],
        ["", "", "Detailed investigations"],
        [
            "Authority name",
            "Authority type",
            "Upheld",
            "Not upheld",
            "Advice given",
            "Closed after initial enquiries",
            "Incomplete / Invalid",
            "Referred back for local resolution",
            "Total",
            "Uphold rate (%)",
            "Average uphold rate of similar authorities",
        ],
    ]
    for a in figures:
        rows.append(
            [
                a.name,
                a.authority_type,
                a.upheld,
                a.not_upheld,
                a.advice_given,
                a.closed_after_initial_enquiries,
                a.incomplete_or_invalid,
                a.referred_back,
                a.decided_total,
                _pct(a.uphold_rate),
                _pct(similar[a.authority_type]),
            ]
        )
    rows += [[], ["Uphold rate = upheld / (upheld + not upheld)."]]
    return _csv(rows)


def _remedy(year: str) -> bytes:
    _, span = _span(year)
    rows: list[list[object]] = [
        ["Local Government and Social Care Ombudsman"],
        [f"Remedy and compliance outcomes, {span}"],
        ["Compliance rate = compliance outcomes where satisfied / all compliance outcomes"],
        [],
        [
            "Local authority",
            "Type",
            "Upheld",
            "Satisfactory remedy provided by authority",
            "Satisfactory remedy (%)",
            "Compliance outcomes where satisfied",
            "All compliance outcomes",
            "Compliance rate (%)",
            "Upheld per 100,000 residents",
        ],
    ]
    for a in yearly_figures(year):
        compliance = (
            a.compliance_satisfied / a.compliance_outcomes if a.compliance_outcomes else None
        )
        rows.append(
            [
                a.name,
                a.authority_type,
                a.upheld,
                a.satisfactory_remedy,
                _pct(a.satisfactory_remedy_rate),
                a.compliance_satisfied if a.compliance_outcomes else "-",
                a.compliance_outcomes or "-",
                _pct(compliance),
                f"{a.upheld_per_100k:.1f}",
            ]
        )
    return _csv(rows)


def statistics_files() -> dict[str, bytes]:
    """File name -> CSV bytes, three files a year (received, decided, remedy/compliance)."""
    files: dict[str, bytes] = {}
    for year in YEARS:
        tag = f"{year[2:4]}-{year[5:7]}"
        files[f"1-Complaints-Received-{tag}.csv"] = _received(year)
        files[f"2-Complaints-Decided-{tag}.csv"] = _decided(year)
        files[f"3-Remedy-and-Compliance-{tag}.csv"] = _remedy(year)
    return dict(sorted(files.items()))


def write_statistics(folder: str | Path) -> list[Path]:
    """Write the statistics files into ``folder`` (created if need be); their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in statistics_files().items():
        path = folder / name
        path.write_bytes(body)
        written.append(path)
    return written
