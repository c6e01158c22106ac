"""The demo council's published decision statements, from its Ombudsman log.

The Ombudsman publishes its upheld, not upheld and closed-after-initial-enquiries decisions
(not premature complaints, and not the few whose complainant could be identified: here a
fixed one in twelve by reference). Each logged case becomes a statement with the log's
reference and decision date, a category from the log's service (:data:`SERVICE_CATEGORIES`,
the seed ``lgsco_category_map`` read in reverse), and invented wording; upheld cases with a
remedy payment in the log name the amount in £. As many upheld cases a year as Kent's
statistics count as "satisfactory remedy" say the council had already offered a suitable
remedy. One statement in forty carries a decision date two days after the log's (the council
logged the day its letter arrived), so the log reconciliation has something to show.
Everything here is invented: nothing is a real decision.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from demo.lgsco_snapshot.statistics import KENT, KENT_REMEDY
from scrapers.lgsco.normalise import reference_to_slug, slugify

__all__ = [
    "PAGE_SIZE",
    "SERVICE_CATEGORIES",
    "Snapshot",
    "build_snapshot",
    "render_decision",
    "render_listing",
]

PAGE_SIZE = 10
UNPUBLISHED_ONE_IN = 12  # cases not published (complainant identifiable)
REDATED_ONE_IN = 40  # published with a decision date two days after the log's

# log service -> (category, subcategories); the subcategory is picked by reference
SERVICE_CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Adult Social Care and Health": (
        "Adult care services",
        (
            "Assessment and care plan",
            "Charging",
            "Domiciliary care",
            "Residential care",
            "Safeguarding",
            "Direct payments",
        ),
    ),
    "Children Social Work Services": (
        "Children's care services",
        ("Child protection", "Looked after children", "Friends and family carers", "Other"),
    ),
    "Special Educational Needs": ("Education", ("Special educational needs",)),
    "Kent Test/ School Admission appeals": ("Education", ("School admissions",)),
    "Home to School Transport/ Free School Meals": ("Education", ("School transport",)),
    "Community Learning and Skills": ("Education", ("Other",)),
    "The Education People": ("Education", ("Alternative provision",)),
    "Closed by LGSCO \u2013 not sent to KCC": (
        "Education",
        ("Special educational needs", "School admissions"),
    ),
    "Environment & Waste": (
        "Environment and regulation",
        ("Refuse and recycling", "Drainage"),
    ),
    "Growth and Communities (inc LRA)": ("Other categories", ("Other",)),
    "Highways & Transportation": (
        "Transport and highways",
        ("Highway repair and maintenance", "Traffic management", "Parking and other penalties"),
    ),
    "Finance": ("Benefits and tax", ("Council tax",)),
    "Governance, Law and Democracy": ("Other categories", ("Other",)),
    "Marketing and Resident Experience": ("Other categories", ("Other",)),
}
DEFAULT_CATEGORY = ("Other categories", ("Other",))

ISSUES = {  # subcategory -> what the complaint was about
    "Assessment and care plan": "assessed {their} mother's care needs and planned her care",
    "Charging": "charged {them} for {their} father's care",
    "Domiciliary care": "arranged {their} home care visits",
    "Residential care": "arranged and reviewed {their} aunt's residential care",
    "Safeguarding": "handled a safeguarding concern about {their} relative",
    "Direct payments": "managed {their} direct payments",
    "Child protection": "carried out child protection enquiries about {their} family",
    "Looked after children": "supported {their} son while he was in its care",
    "Friends and family carers": "supported {them} as a family carer for {their} grandchild",
    "Special educational needs": (
        "delayed issuing {their} son's Education, Health and Care Plan and providing the "
        "support it specifies"
    ),
    "School admissions": "handled {their} daughter's school admission appeal",
    "School transport": "decided {their} child's application for home to school transport",
    "Alternative provision": "arranged alternative education for {their} son",
    "Refuse and recycling": "ran the household waste recycling centre booking system",
    "Drainage": "dealt with flooding from a highway drain near {their} home",
    "Highway repair and maintenance": "repaired the road outside {their} home",
    "Traffic management": "dealt with {their} request for traffic calming",
    "Parking and other penalties": "handled {their} challenge to a penalty charge",
    "Council tax": "recovered a debt {they} owed for care charges",
    "Other": "dealt with {their} enquiries and complaint",
}
ACTIONS = (
    "remind staff of the relevant guidance",
    "review its procedures to prevent a recurrence",
    "provide the outstanding support within four weeks",
    "make a new decision without the fault",
)
OUTCOME_LABEL = {
    "upheld": "Upheld",
    "not_upheld": "Not upheld",
    "closed": "Closed after initial enquiries",
}


@dataclass(frozen=True)
class Published:
    """One decision statement of the snapshot."""

    reference: str  # "22 001 239"
    organisation: str
    category: str
    subcategory: str
    decision: str  # Upheld / Not upheld / Closed after initial enquiries
    date: dt.date
    summary: str
    path: str
    sections: tuple[tuple[str, str], ...]


@dataclass
class Snapshot:
    """The decisions the snapshot's search finds and whose pages it serves."""

    entries: list[Published] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_path = {e.path: e for e in self.entries}

    def page(self, path: str) -> str | None:
        entry = self._by_path.get(path)
        return render_decision(entry) if entry else None

    def search(self, query: dict[str, list[str]]) -> tuple[int, list[Published], int]:
        aname = query.get("aname", [""])[0]
        date_from = dt.date.fromisoformat(query["fd"][0])
        date_to = dt.date.fromisoformat(query["td"][0])
        page = max(1, int(query.get("page", ["1"])[0]))
        found = [
            e for e in self.entries if e.organisation == aname and date_from <= e.date <= date_to
        ]
        found.sort(key=lambda e: e.reference)
        found.sort(key=lambda e: e.date, reverse=True)
        return len(found), found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page


def _pick(reference: str, salt: str, n: int) -> int:
    digest = hashlib.sha256(f"{salt}:{reference}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % n


def _person(reference: str) -> dict[str, str]:
    title = ("Mr X", "Mrs X", "Ms X", "Miss Y", "Mr Y", "Mrs Y")[_pick(reference, "who", 6)]
    male = title.startswith("Mr ")
    return {
        "who": title,
        "them": "him" if male else "her",
        "their": "his" if male else "her",
        "they": "he" if male else "she",
    }


def _money(amount: Decimal) -> str:
    return f"\u00a3{amount:,.0f}" if amount == amount.to_integral() else f"\u00a3{amount:,.2f}"


def _financial_year(day: dt.date) -> str:
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}/{str(first + 1)[-2:]}"


def _statement(row: dict[str, str], satisfactory: bool) -> Published:
    reference = row["lgsco_ref"].strip()
    category, subcategories = SERVICE_CATEGORIES.get(row["service"].strip(), DEFAULT_CATEGORY)
    subcategory = subcategories[_pick(reference, "sub", len(subcategories))]
    p = _person(reference)
    issue = ISSUES.get(subcategory, ISSUES["Other"]).format(**p)
    who = p["who"]
    outcome = row["council_outcome"].strip()
    amount = Decimal(row["remedy_amount_gbp"]) if row.get("remedy_amount_gbp") else None
    complaint = f"{who} complained about the way the Council {issue}."
    if outcome == "upheld" and satisfactory:
        summary = (
            f"{complaint} There was fault by the Council, but it had already offered a "
            f"suitable remedy before {who} complained to us, so we have completed our "
            "investigation."
        )
        found = "The Council accepted it was at fault and apologised."
        action = "No further action is needed: the Council's remedy was suitable."
    elif outcome == "upheld":
        act = ACTIONS[_pick(reference, "act", len(ACTIONS))]
        pay = (
            f", pay {who} {_money(amount)} for the distress and uncertainty caused"
            if amount
            else ""
        )
        summary = (
            f"{complaint} We found fault causing injustice. The Council has agreed to "
            f"apologise{pay} and {act}."
        )
        found = "The Council was at fault and this caused avoidable distress and uncertainty."
        action = f"Within one month the Council will apologise and {act}."
    elif outcome == "not_upheld":
        summary = f"{complaint} We found no fault in how the Council acted."
        found = "The Council followed the relevant law and guidance and considered the facts."
        action = ""
    else:
        reason = (
            "there is not enough evidence of fault to justify our involvement",
            f"{who} could reasonably have appealed to a tribunal",
            "the Council has already responded appropriately",
            "further investigation would not lead to a different outcome",
        )[_pick(reference, "why", 4)]
        summary = f"We will not investigate {who}'s complaint. This is because {reason}."
        found = f"{complaint[:-1]}, but {reason}."
        action = ""
    received = row.get("received_date", "").strip()
    lodged = (
        f" {p['they'].capitalize()} complained to us on"
        f" {dt.date.fromisoformat(received).strftime('%d %B %Y')}."
        if received
        else ""
    )
    sections = [
        ("The complaint", f"{complaint}{lodged} Our reference is {reference}."),
        ("What I found", found),
    ]
    if action:
        sections.append(("Agreed action", action))
    sections.append(
        (
            "Final decision",
            "I have completed my investigation."
            if outcome != "closed"
            else "I will not investigate this complaint.",
        )
    )
    path = f"/decisions/{slugify(category)}/{slugify(subcategory)}/{reference_to_slug(reference)}"
    return Published(
        reference=reference,
        organisation=KENT,
        category=category,
        subcategory=subcategory,
        decision=OUTCOME_LABEL[outcome],
        date=dt.date.fromisoformat(row["decision_date"])
        + dt.timedelta(days=2 if _pick(reference, "date", REDATED_ONE_IN) == 0 else 0),
        summary=summary,
        path=path,
        sections=tuple(sections),
    )


def build_snapshot(delivery_dir: Path | None) -> Snapshot:
    """The decisions published from ``delivery_dir/ombudsman_cases.csv`` (none without it)."""
    log = Path(delivery_dir) / "ombudsman_cases.csv" if delivery_dir else None
    if log is None or not log.is_file():
        return Snapshot()
    with log.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r.get("council_outcome", "").strip() in OUTCOME_LABEL
            and r.get("decision_date", "").strip()
            and r.get("lgsco_ref", "").strip()
            and _pick(r["lgsco_ref"].strip(), "publish", UNPUBLISHED_ONE_IN) != 0
        ]
    rows.sort(key=lambda r: (r["decision_date"], r["lgsco_ref"]))
    remedied: dict[str, int] = {}
    entries = []
    for row in rows:
        year = _financial_year(dt.date.fromisoformat(row["decision_date"]))
        wanted = KENT_REMEDY.get(year, (0,))[0]
        satisfactory = (
            row["council_outcome"].strip() == "upheld"
            and not row.get("remedy_amount_gbp")
            and remedied.get(year, 0) < wanted
        )
        if satisfactory:
            remedied[year] = remedied.get(year, 0) + 1
        entries.append(_statement(row, satisfactory))
    return Snapshot(entries)


# --- pages ------------------------------------------------------------------------------------


def render_listing(total: int, rows: list[Published], page: int, query: str) -> str:
    """A search results page in the site's structure."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Decision search results</title></head><body>",
        "<main><h1>Search our decisions</h1>",
        "<form action='/Decisions/SearchResults'><input name='aname'> <button>Search</button>",
        "</form><div class='search-results'>",
        f"<p class='results-count'>Your search has {total} results</p><ol>",
    ]
    for row in rows:
        parts.append(
            "<li class='result'>"
            f"<h3><a href='{html.escape(row.path)}'>"
            f"{html.escape(row.organisation)} ({row.reference})</a></h3>"
            f"<p class='meta'><span>Statement</span> <span>{row.decision}</span> "
            f"<span>{html.escape(row.subcategory)}</span> "
            f"<span>{row.date.strftime('%d-%b-%Y')}</span></p>"
            f"<p class='summary'>Summary: {html.escape(row.summary)}</p></li>"
        )
    parts.append("</ol>")
    pages = max(1, math.ceil(total / PAGE_SIZE))
    base = query.split("&page=")[0]
    links = " ".join(
        f"<a href='/Decisions/SearchResults?{html.escape(base)}&amp;page={n}'>{n}</a>"
        for n in range(1, pages + 1)
        if n != page
    )
    parts.append(f"<div class='pagination'>{links}</div></div>")
    parts.append("</main><footer>Local Government and Social Care Ombudsman</footer></body></html>")
    return "".join(parts)


def render_decision(entry: Published) -> str:
    """A decision statement in the site's current layout."""
    body = "".join(
        f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p>"
        "<p><a href='#top'>Back to top</a></p>"
        for title, text in entry.sections
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(entry.organisation)} ({entry.reference})</title></head><body><main>"
        "<article id='article'>"
        f"<h1>{html.escape(entry.organisation)} ({entry.reference})</h1>"
        f"<div><span class='label'>Category :</span> <span class='value'>"
        f"{html.escape(entry.category)} &gt; {html.escape(entry.subcategory)}</span></div>"
        f"<div><span class='label'>Decision :</span> <span class='value'>{entry.decision}"
        "</span></div>"
        "<div><span class='label'>Decision date :</span> <span class='value'>"
        f"{entry.date.strftime('%d %b %Y')}</span></div>"
        "<h2>The Ombudsman's final decision:</h2>"
        f"<p>Summary: {html.escape(entry.summary)}</p><p><a href='#top'>Back to top</a></p>"
        f"{body}"
        "</article></main><footer>Local Government and Social Care Ombudsman</footer>"
        "</body></html>"
    )


def entries_as_dicts(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The snapshot's decisions as plain dicts (for tests and inspection)."""
    return [
        {
            "reference": e.reference,
            "decision": e.decision,
            "date": e.date.isoformat(),
            "path": e.path,
            "summary": e.summary,
        }
        for e in snapshot.entries
    ]
