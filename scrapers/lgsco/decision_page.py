"""Parse one LGSCO decision page (statement or public-interest report) into a :class:`Decision`.

How the page is read
--------------------
The text of ``<article id="article">`` (else of ``<body>``, without nav/footer/forms) is taken
as lines, one per block element. Everything before the first line of the form
``<Name> (NN NNN NNN)`` is ignored (cookie banners, menus); that line gives organisation and
reference. Directly after it come optional header lines ``Category : A > B``, ``Decision :
...``, ``Decision date : ...`` and (reports) ``Ombudsman satisfied with council's response :
<date>``, in any order, with any spacing around the colon, a label and its value on one line
or on two. The body follows; known headings ("The Ombudsman's final decision", "Summary",
"The complaint", "Finding", "Agreed action", "Recommendations", "Final decision", ...) split it
into sections and "Back to top" lines are dropped.

The summary is, in order of preference: the ``Summary: ...`` paragraph; the section under a
"Summary" heading (reports); the section under "The Ombudsman's final decision"; the text
before the first known heading (2012-era pages). Missing header fields fall back to the URL
(``/decisions/<category>/<subcategory>/<ref>``) and to the search listing row, if given.

``text_sha256`` hashes the body lines only (after the header), so one report filed under several
references, whose pages differ only in the reference shown, hashes the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from scrapers.lgsco.html_text import soup_of, text_lines
from scrapers.lgsco.listing import ORG_LINE, ListingRow
from scrapers.lgsco.normalise import (
    MoneyAmount,
    canonical_url,
    category_label,
    clean_text,
    find_money,
    normalise_decision,
    normalise_organisation,
    normalise_reference,
    parse_date,
    slugify,
    subcategory_label,
)

__all__ = ["Decision", "UnknownLayoutError", "parse_decision_page"]


class UnknownLayoutError(ValueError):
    """The page matches no known decision-page layout; names the URL and what was missing."""

    def __init__(self, url: str, missing: str) -> None:
        super().__init__(f"Unknown decision page layout at {url}: {missing}")
        self.url = url
        self.missing = missing


@dataclass(frozen=True)
class Decision:
    """One published LGSCO decision.

    ``decision`` is ``upheld`` / ``not_upheld`` / ``closed_after_initial_enquiries`` (None only
    when neither the page nor a listing row says). ``publication_type`` is ``statement`` or
    ``report``. ``layout`` says which page variant was read (``current``, ``no_header``,
    ``legacy``, ``report``). ``satisfied_date`` is the report's "Ombudsman satisfied with
    council's response" date. ``other_references`` lists references whose pages carry the
    same text (filled in by the harvester).
    """

    reference: str
    organisation: str
    organisation_key: str
    category: str
    category_slug: str
    subcategory: str | None
    subcategory_slug: str | None
    decision: str | None
    publication_type: str
    decision_date: date | None
    summary: str
    remedy_amounts: tuple[MoneyAmount, ...]
    satisfactory_remedy: bool
    satisfied_date: date | None
    url: str
    fetched_at: datetime
    text_sha256: str
    layout: str
    other_references: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: dates and datetimes as ISO text, amounts as exact decimal strings."""
        return {
            "reference": self.reference,
            "organisation": self.organisation,
            "organisation_key": self.organisation_key,
            "category": self.category,
            "category_slug": self.category_slug,
            "subcategory": self.subcategory,
            "subcategory_slug": self.subcategory_slug,
            "decision": self.decision,
            "publication_type": self.publication_type,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "summary": self.summary,
            "remedy_amounts": [amount.as_dict() for amount in self.remedy_amounts],
            "satisfactory_remedy": self.satisfactory_remedy,
            "satisfied_date": self.satisfied_date.isoformat() if self.satisfied_date else None,
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat(),
            "text_sha256": self.text_sha256,
            "layout": self.layout,
            "other_references": list(self.other_references),
        }


# --- header -----------------------------------------------------------------------------------

_SATISFIED_LABEL = (
    r"ombudsman satisfied with (?:the )?(?:council|authority|organisation|care provider)'?s? "
    r"response"
)
_HEADER_LABELS = {
    "category": "category",
    "decision date": "date",
    "date": "date",
    "decision": "decision",
}
_HEADER_LINE = re.compile(
    rf"^(?P<label>category|decision date|date|decision|(?P<satisfied>{_SATISFIED_LABEL}))"
    r"\s*(?::\s*(?P<value>.*))?$",
    re.IGNORECASE,
)
_CATEGORY_SEPARATOR = re.compile("\\s*[>\u203a\u00bb]\\s*")

# --- body -------------------------------------------------------------------------------------

_HEADINGS = {
    "the ombudsman's final decision": "final_decision_intro",
    "the ombudsmans final decision": "final_decision_intro",
    "summary": "summary",
    "the complaint": "complaint",
    "complaint": "complaint",
    "what i have investigated": "investigated",
    "what i found": "what_i_found",
    "what we found": "what_i_found",
    "how i considered this complaint": "considered",
    "legal and administrative background": "background",
    "the ombudsman's role and powers": "role",
    "finding": "finding",
    "findings": "finding",
    "agreed action": "agreed_action",
    "agreed actions": "agreed_action",
    "recommendations": "recommendations",
    "recommendation": "recommendations",
    "our recommendations": "recommendations",
    "final decision": "final_decision",
    "parts of the complaint that i did not investigate": "not_investigated",
    "investigator's decision on behalf of the ombudsman": "signature",
}
_REMEDY_SECTIONS = ("agreed_action", "recommendations")
_BACK_TO_TOP = re.compile(r"^back to top$", re.IGNORECASE)
_SUMMARY_LINE = re.compile(r"^summary\s*:\s*(?P<text>.+)$", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(
    r"\d{1,2}(?:st|nd|rd|th)?[\s\-]+[A-Za-z]{3,9}\.?[\s\-,]+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}"
)

# --- satisfactory remedy ----------------------------------------------------------------------

_GOOD_REMEDY = re.compile(
    r"\b(?:suitable|satisfactory|appropriate|adequate|sufficient|proportionate|fair)\s+"
    r"(?:remedy|remedies|redress)\b",
    re.IGNORECASE,
)
_ALREADY = re.compile(
    r"\b(?:already|previously|before (?:the complaint|it came|coming|we|the ombudsman|"
    r"complaining|(?:he|she|they|mr|mrs|ms|miss) \w+ complained)|had (?:offered|provided|agreed"
    r"|paid|given|made|put right))\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|no|never|failed|refused|without)\b|n't\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def parse_decision_page(
    html: str,
    url: str,
    *,
    row: ListingRow | None = None,
    fetched_at: datetime | None = None,
) -> Decision:
    """Parse a decision page fetched from ``url``; ``row`` is its search listing row, if known.

    Raises:
        UnknownLayoutError: no ``Name (NN NNN NNN)`` line, no summary, no category (neither a
            Category line nor URL slugs), or an unrecognised header value.
    """
    soup = soup_of(html)
    root = soup.find("article", id="article") or soup.body or soup
    lines = [
        line.replace("\u2019", "'").replace("\u2018", "'")
        for line in text_lines(
            root, drop=("nav", "footer", "form", "button"), break_before_classes=("label",)
        )
    ]
    start = next((i for i, line in enumerate(lines) if ORG_LINE.match(line)), None)
    if start is None:
        raise UnknownLayoutError(url, "no 'Organisation (NN NNN NNN)' line")
    org_match = ORG_LINE.match(lines[start])
    assert org_match is not None
    organisation = org_match.group("org").strip(" -\u2013") or (row.organisation if row else None)
    if not organisation:
        raise UnknownLayoutError(url, "no organisation name before the reference")
    reference = normalise_reference(org_match.group("ref"))

    header, body_start = _read_header(lines, start + 1)
    body = [line for line in lines[body_start:] if not _BACK_TO_TOP.match(line)]
    sections, preamble = _split_sections(body)

    summary, summary_source = _summary(body, sections, preamble)
    if not summary:
        raise UnknownLayoutError(
            url,
            "no summary (no 'Summary:' paragraph, Summary or final-decision section, "
            "or text before a known section heading)",
        )
    category, subcategory = _categories(header.get("category"), url)
    if category is None:
        raise UnknownLayoutError(
            url, "no category (no 'Category :' line and no /decisions/<category>/ URL slugs)"
        )
    if subcategory is None and row is not None:
        subcategory = row.subcategory

    decision = row.decision if row else None
    if header.get("decision"):
        try:
            decision = normalise_decision(header["decision"])
        except ValueError:
            raise UnknownLayoutError(
                url, f"unknown decision value {header['decision']!r}"
            ) from None
    decision_date = _header_date(header, "date", url) or (row.decision_date if row else None)
    satisfied_date = _header_date(header, "satisfied", url) or _satisfied_in_body(body, url)

    is_report = satisfied_date is not None or "finding" in sections or "satisfied" in header
    publication_type = "report" if is_report else (row.publication_type if row else "statement")

    amounts = [
        MoneyAmount(m.amount, m.per_month, m.sentence, "summary") for m in find_money(summary)
    ]
    for name in _REMEDY_SECTIONS:
        for found in find_money("\n".join(sections.get(name, []))):
            amounts.append(MoneyAmount(found.amount, found.per_month, found.sentence, name))

    if publication_type == "report":
        layout = "report"
    elif summary_source != "label":
        layout = "legacy"
    elif not header:
        layout = "no_header"
    else:
        layout = "current"

    return Decision(
        reference=reference,
        organisation=organisation,
        organisation_key=normalise_organisation(organisation),
        category=category,
        category_slug=slugify(category),
        subcategory=subcategory,
        subcategory_slug=slugify(subcategory) if subcategory else None,
        decision=decision,
        publication_type=publication_type,
        decision_date=decision_date,
        summary=summary,
        remedy_amounts=tuple(dict.fromkeys(amounts)),
        satisfactory_remedy=decision == "upheld" and has_satisfactory_remedy(summary),
        satisfied_date=satisfied_date,
        url=canonical_url(url),
        fetched_at=fetched_at or datetime.now(UTC),
        text_sha256=hashlib.sha256("\n".join(body).encode("utf-8")).hexdigest(),
        layout=layout,
    )


def has_satisfactory_remedy(summary: str) -> bool:
    """True when a sentence says a suitable remedy had already been offered or provided.

    A sentence must name a suitable/satisfactory/appropriate/adequate/... remedy, say it came
    already / before the complaint / "had offered|provided|...", and carry no negation
    (not, no, never, failed, refused, without, n't) before the remedy phrase.
    """
    for sentence in _SENTENCES.split(summary):
        remedy = _GOOD_REMEDY.search(sentence)
        if (
            remedy
            and _ALREADY.search(sentence)
            and not _NEGATION.search(sentence[: remedy.start()])
        ):
            return True
    return False


def _read_header(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """Header fields directly after the organisation line; returns (fields, body start)."""
    header: dict[str, str] = {}
    index = start
    while index < len(lines):
        match = _HEADER_LINE.match(lines[index])
        if not match:
            break
        key = (
            "satisfied"
            if match.group("satisfied")
            else _HEADER_LABELS[match.group("label").casefold()]
        )
        value = (match.group("value") or "").strip()
        index += 1
        if not value:  # a bare label ("Category" or "Category :"): the value is on the next line
            if index < len(lines) and lines[index] == ":":
                index += 1
            following = lines[index] if index < len(lines) else ""
            if following and not _HEADER_LINE.match(following) and not _heading_key(following):
                value = following.lstrip(":").strip()
                index += 1
        header.setdefault(key, value)
    return header, index


def _heading_key(line: str) -> str | None:
    return _HEADINGS.get(clean_text(line).casefold().rstrip(":").strip())


def _split_sections(body: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Group body lines under known headings; lines before the first heading are the preamble."""
    sections: dict[str, list[str]] = {}
    preamble: list[str] = []
    current: list[str] = preamble
    for line in body:
        key = _heading_key(line)
        if key is not None:
            current = sections.setdefault(key, [])
        else:
            current.append(line)
    return sections, preamble


def _summary(
    body: list[str], sections: dict[str, list[str]], preamble: list[str]
) -> tuple[str, str]:
    for line in body:
        if match := _SUMMARY_LINE.match(line):
            return clean_text(match.group("text")), "label"
    for key in ("summary", "final_decision_intro"):
        if sections.get(key):
            return clean_text(" ".join(sections[key])), key
    if preamble and sections:
        return clean_text(" ".join(preamble)), "preamble"
    return "", "none"


def _categories(header_value: str | None, url: str) -> tuple[str | None, str | None]:
    """(category label, subcategory label) from the Category line, else from the URL slugs."""
    if header_value:
        parts = [part for part in _CATEGORY_SEPARATOR.split(header_value) if part]
        if parts:
            category = category_label(slugify(parts[0]))
            subcategory = clean_text(" ".join(parts[1:])) or None
            return category, subcategory
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    lowered = [segment.casefold() for segment in segments]
    if "decisions" not in lowered:
        return None, None
    slugs = segments[lowered.index("decisions") + 1 : -1]
    if not slugs:
        return None, None
    return category_label(slugs[0]), subcategory_label(slugs[1]) if len(slugs) > 1 else None


def _header_date(header: dict[str, str], key: str, url: str) -> date | None:
    value = header.get(key)
    if not value:
        return None
    match = _DATE_IN_TEXT.search(value)
    try:
        return parse_date(match.group(0) if match else value)
    except ValueError:
        raise UnknownLayoutError(url, f"unreadable date {value!r} in the header") from None


_SATISFIED_IN_BODY = re.compile(rf"^{_SATISFIED_LABEL}\s*:?\s*(?P<value>.*)$", re.IGNORECASE)


def _satisfied_in_body(body: list[str], url: str) -> date | None:
    for index, line in enumerate(body):
        if match := _SATISFIED_IN_BODY.match(line):
            value = match.group("value") or (body[index + 1] if index + 1 < len(body) else "")
            return _header_date({"satisfied": value}, "satisfied", url)
    return None
