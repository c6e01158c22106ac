"""The LGSCO decision search: build search URLs and parse one page of results.

URL
---
``GET {base}/Decisions/SearchResults?aname=<org>&dc=c+nu+u+&fd=YYYY-MM-DD&td=YYYY-MM-DD
&page=<n>&sortOrder=descending`` (parameters in that order). ``aname`` is the organisation's
display name, form-encoded (spaces as ``+``, ``&`` as ``%26``). ``dc`` is written into the query
string *verbatim*: the site's own search form sends ``c+nu+u+`` (closed after initial enquiries,
not upheld, upheld), whose ``+`` signs its server decodes as separators. Passing it through
``requests``' ``params`` would send ``c%2Bnu%2Bu%2B`` instead, so :func:`search_url` builds the
query itself and the client must send the URL unchanged (``requests`` leaves ``+`` alone).

Results page
------------
"Your search has N results" gives the total (ten rows a page). Each row is a link
``<Organisation> (<YY NNN NNN>)`` to the decision, a line
``<Statement|Report> <Decision> <Subcategory> <DD-Mon-YYYY>`` and a ``Summary: ...`` line.
Some rows have no organisation line (the link text is then the reference or "read more").
Rows are found from the decision links themselves (``/decisions/<category>/<sub>/<ref>``), each
link's row being its largest enclosing element that holds no other decision, so the parser does
not depend on class names.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

from bs4 import Tag

from scrapers.lgsco.html_text import soup_of, text_lines
from scrapers.lgsco.normalise import (
    canonical_url,
    clean_text,
    find_reference,
    normalise_decision,
    normalise_reference,
    parse_date,
)

__all__ = [
    "DEFAULT_DECISION_CODES",
    "PAGE_SIZE",
    "EmptyListingError",
    "ListingError",
    "ListingLayoutError",
    "ListingPage",
    "ListingRow",
    "is_decision_url",
    "page_count",
    "parse_listing",
    "search_url",
]

PAGE_SIZE = 10
DEFAULT_DECISION_CODES = "c+nu+u+"

ORG_LINE = re.compile(r"^(?P<org>.*?)\s*\(\s*(?P<ref>\d{2}[ \-]?\d{3}[ \-]?\d{3})\s*\)$")
_DECISION_PATH = re.compile(r"/decisions/(?:[^/?#]+/){1,2}\d{2}-\d{3}-\d{3}/?$", re.IGNORECASE)
_COUNT = re.compile(r"Your search has\s+(\d[\d,]*|no)\s+results?\b", re.IGNORECASE)
_META = re.compile(
    r"\b(?P<type>Statement|Report)\s+"
    r"(?P<decision>Upheld|Not\s+upheld|Closed\s+after\s+initial\s+enquiries)\s+"
    r"(?P<subcategory>.+?)\s+(?P<date>\d{1,2}-[A-Za-z]{3,9}-\d{4})\b",
    re.IGNORECASE,
)
_SUMMARY = re.compile(r"^Summary\s*:\s*(?P<text>.*)$", re.IGNORECASE)


class ListingError(RuntimeError):
    """A search results page could not be used; ``url`` names it."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class EmptyListingError(ListingError):
    """The page carries no "Your search has N results" count (e.g. an empty shell).

    Never read this as "no results": the site serves such shells to some clients.
    """


class ListingLayoutError(ListingError):
    """The page has a count but its rows are not in a recognised layout."""


@dataclass(frozen=True)
class ListingRow:
    """One search result. ``url`` is absolute, as linked; ``organisation`` may be None."""

    url: str
    reference: str
    organisation: str | None
    publication_type: str  # "statement" | "report"
    decision: str  # "upheld" | "not_upheld" | "closed_after_initial_enquiries"
    subcategory: str
    decision_date: date
    summary: str

    @property
    def canonical_url(self) -> str:
        return canonical_url(self.url)

    @property
    def fingerprint(self) -> str:
        """sha256 of everything the row says about the decision (not its URL's query).

        A held decision is fetched again when its row's fingerprint changes.
        """
        parts = (
            self.canonical_url,
            self.reference,
            self.organisation or "",
            self.publication_type,
            self.decision,
            self.subcategory,
            self.decision_date.isoformat(),
            self.summary,
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready (the date as ISO text)."""
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "reference": self.reference,
            "organisation": self.organisation,
            "publication_type": self.publication_type,
            "decision": self.decision,
            "subcategory": self.subcategory,
            "decision_date": self.decision_date.isoformat(),
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ListingRow:
        """Inverse of :meth:`as_dict` (used by the harvest state)."""
        return cls(
            url=str(data["url"]),
            reference=str(data["reference"]),
            organisation=None if data.get("organisation") is None else str(data["organisation"]),
            publication_type=str(data["publication_type"]),
            decision=str(data["decision"]),
            subcategory=str(data["subcategory"]),
            decision_date=date.fromisoformat(str(data["decision_date"])),
            summary=str(data["summary"]),
        )


@dataclass(frozen=True)
class ListingPage:
    """One parsed results page: the site's total for the whole search, and this page's rows."""

    url: str
    page: int
    total: int
    rows: tuple[ListingRow, ...]

    @property
    def page_count(self) -> int:
        return page_count(self.total)


def page_count(total: int) -> int:
    """Number of result pages for ``total`` results (ten a page)."""
    return max(1, math.ceil(total / PAGE_SIZE))


def search_url(
    base_url: str,
    organisation: str,
    date_from: date,
    date_to: date,
    *,
    page: int = 1,
    decision_codes: str = DEFAULT_DECISION_CODES,
) -> str:
    """The search results URL for one organisation, date window and page (1-based).

    >>> search_url("https://www.lgo.org.uk", "Kent County Council",
    ...            date(2022, 10, 1), date(2022, 10, 31), page=2)  # doctest: +NORMALIZE_WHITESPACE
    'https://www.lgo.org.uk/Decisions/SearchResults?aname=Kent+County+Council&dc=c+nu+u+&fd=2022-10-01&td=2022-10-31&page=2&sortOrder=descending'
    """
    if page < 1:
        raise ValueError(f"page is 1-based, got {page}")
    if date_to < date_from:
        raise ValueError(f"date window ends before it starts: {date_from} > {date_to}")
    if not re.fullmatch(r"(?:[a-z]+\+)+", decision_codes):
        raise ValueError(f"decision_codes must look like 'c+nu+u+', got {decision_codes!r}")
    query = "&".join(
        (
            f"aname={quote_plus(organisation)}",
            f"dc={decision_codes}",
            f"fd={date_from.isoformat()}",
            f"td={date_to.isoformat()}",
            f"page={page}",
            "sortOrder=descending",
        )
    )
    return f"{base_url.rstrip('/')}/Decisions/SearchResults?{query}"


def is_decision_url(url: str) -> bool:
    """True for ``.../decisions/<category>[/<subcategory>]/<YY-NNN-NNN>`` URLs."""
    return bool(_DECISION_PATH.search(urlsplit(url).path))


def parse_listing(html: str, url: str) -> ListingPage:
    """Parse one search results page fetched from ``url``.

    Raises:
        EmptyListingError: the page has no "Your search has N results" count.
        ListingLayoutError: a result row cannot be read, or the count promises rows on this
            page but none were found.
    """
    soup = soup_of(html)
    body = soup.body or soup
    page_text = "\n".join(text_lines(body))
    count = _COUNT.search(page_text)
    if not count:
        raise EmptyListingError(
            f"Search results page has no 'Your search has N results' count (empty shell?): {url}",
            url=url,
        )
    total = 0 if count.group(1).casefold() == "no" else int(count.group(1).replace(",", ""))
    page = _page_number(url)
    rows: list[ListingRow] = []
    seen: set[str] = set()
    for link in body.find_all("a", href=True):
        href = urljoin(url, str(link["href"]))
        key = canonical_url(href)
        if not is_decision_url(href) or key in seen:
            continue
        seen.add(key)
        rows.append(_parse_row(_row_container(link, body), link, href, url))
    if not rows and total > (page - 1) * PAGE_SIZE:
        raise ListingLayoutError(
            f"Search results page says {total} results but page {page} has no result rows: {url}",
            url=url,
        )
    return ListingPage(url=url, page=page, total=total, rows=tuple(rows))


def _page_number(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return max(1, int(values[0])) if values else 1
    except ValueError:
        return 1


def _decision_links_under(node: Tag, base: str) -> set[str]:
    return {
        canonical_url(urljoin(base, str(a["href"])))
        for a in node.find_all("a", href=True)
        if is_decision_url(urljoin(base, str(a["href"])))
    }


def _row_container(link: Tag, body: Tag) -> Tag:
    """The largest ancestor of ``link`` (below ``body``) linking to no other decision."""
    base = "http://row.invalid/"
    container: Tag = link
    while container.parent is not None and container.parent is not body:
        parent = container.parent
        if len(_decision_links_under(parent, base)) > 1:
            break
        container = parent
    return container


def _parse_row(container: Tag, link: Tag, href: str, page_url: str) -> ListingRow:
    link_text = clean_text(link.get_text(" "))
    lines = text_lines(container) if container is not link else [link_text]
    organisation: str | None = None
    reference: str | None = None
    if match := ORG_LINE.match(link_text):
        organisation = match.group("org").strip(" -\u2013") or None
        reference = normalise_reference(match.group("ref"))
    reference = reference or find_reference(link_text) or find_reference(urlsplit(href).path)
    summary_parts: list[str] = []
    meta_parts: list[str] = []
    in_summary = False
    for line in lines:
        if line == link_text:
            continue
        if match := _SUMMARY.match(line):
            in_summary = True
            summary_parts.append(match.group("text"))
        elif in_summary:
            summary_parts.append(line)
        else:
            meta_parts.append(line)
    meta = _META.search(" ".join(meta_parts))
    if reference is None or meta is None:
        missing = "reference" if reference is None else "'<Statement|Report> <Decision> ...' line"
        raise ListingLayoutError(
            f"Search result row for {href} has no {missing}: {page_url}", url=page_url
        )
    try:
        decision_date = parse_date(meta.group("date"))
    except ValueError as exc:
        raise ListingLayoutError(f"{exc} in search result row for {href}", url=page_url) from None
    return ListingRow(
        url=href,
        reference=reference,
        organisation=organisation,
        publication_type=meta.group("type").casefold(),
        decision=normalise_decision(meta.group("decision")),
        subcategory=clean_text(meta.group("subcategory")),
        decision_date=decision_date,
        summary=clean_text(" ".join(summary_parts)),
    )
