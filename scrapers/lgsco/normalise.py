"""Pure normalisers for LGSCO data: references, names, URLs, dates, money, decisions, slugs.

Every function here is free of I/O. Parsers that cannot make sense of a value raise
:class:`ValueError` with the offending text in the message; ``find_*`` helpers return
``None`` or an empty list instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "CATEGORY_LABELS",
    "DECISION_VALUES",
    "LGSCO_HOST",
    "SUBCATEGORY_LABELS",
    "MoneyAmount",
    "canonical_url",
    "category_label",
    "clean_text",
    "find_money",
    "find_reference",
    "normalise_decision",
    "normalise_organisation",
    "normalise_reference",
    "parse_date",
    "reference_to_slug",
    "slugify",
    "subcategory_label",
]

LGSCO_HOST = "www.lgo.org.uk"
_LGSCO_HOSTS = frozenset({"lgo.org.uk", "www.lgo.org.uk"})

# --- references --------------------------------------------------------------------------------

_REFERENCE_BODY = r"(\d{2})[ \-]?(\d{3})[ \-]?(\d{3})"
_REFERENCE_FULL = re.compile(rf"\s*{_REFERENCE_BODY}\s*")
# In running text the two separators must match ("01234 567 890" is a phone number).
_REFERENCE_SEARCH = re.compile(r"(?<![\d\-])(\d{2})([ \-]?)(\d{3})\2(\d{3})(?![\d\-]|\s\d)")


def normalise_reference(text: str) -> str:
    """``"22-001-239"``, ``"22 001 239"`` or ``"22001239"`` -> ``"22 001 239"``.

    Separators must be a single space or hyphen (or none) between the 2-3-3 digit groups;
    surrounding whitespace is ignored. Anything else raises :class:`ValueError`.
    """
    match = _REFERENCE_FULL.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not an LGSCO reference (expected NN NNN NNN): {text!r}")
    return " ".join(match.groups())


def find_reference(text: str) -> str | None:
    """The first reference anywhere in ``text``, normalised, or None."""
    match = _REFERENCE_SEARCH.search(text or "")
    return f"{match.group(1)} {match.group(3)} {match.group(4)}" if match else None


def reference_to_slug(reference: str) -> str:
    """``"22 001 239"`` -> ``"22-001-239"`` (the form used in decision URLs)."""
    return normalise_reference(reference).replace(" ", "-")


# --- text and organisation names --------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) and strip."""
    return _SPACES.sub(" ", (text or "").replace("\xa0", " ")).strip()


_ORG_DROP_PHRASES = (
    re.compile(r"^council of (?:the )?"),  # "Council of the Isles of Scilly"
    re.compile(r"\bcity of\b"),  # "City of York Council", "City Of Bradford ..."
    re.compile(r"\bcity council\b"),  # "Leeds City Council" == "City of Leeds Council"
    re.compile(r"^the\b"),
    re.compile(r"\bcouncil\b"),
)


def normalise_organisation(name: str) -> str:
    """A key for matching organisation names spelled differently over time.

    Steps, in order: Unicode NFKC and case-fold; ``&`` -> ``and``; apostrophes removed; every
    other non-alphanumeric character -> space; ``limited`` -> ``ltd``; the phrases
    ``council of (the)`` (leading), ``city of``, ``city council``, a leading ``the`` and the
    word ``council`` dropped; whitespace collapsed. ``county``, ``borough`` and ``district``
    are kept, so "Kent County Council" -> ``"kent county"`` while "Brighton & Hove City
    Council", "Brighton and Hove Council" and "The Brighton and Hove City Council" all give
    ``"brighton and hove"``. Care providers keep their trading names
    ("Meadowbank Care Homes Limited" -> ``"meadowbank care homes ltd"``).
    """
    text = unicodedata.normalize("NFKC", name or "").casefold().translate(_APOSTROPHES)
    text = text.replace("&", " and ").replace("'", "")
    text = re.sub(r"[^\w]+|_", " ", text)
    text = clean_text(re.sub(r"\blimited\b", "ltd", text))
    for pattern in _ORG_DROP_PHRASES:
        text = clean_text(pattern.sub(" ", text))
    return text


# --- URLs -------------------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """The identity of a page: query, fragment and trailing slash dropped, host normalised.

    Hosts are lower-cased and default ports dropped; the LGSCO's bare host ``lgo.org.uk``
    becomes ``www.lgo.org.uk`` and LGSCO URLs are forced to ``https``. Other hosts keep their
    scheme (so a local test site stays fetchable). Path case is kept.
    ``http://lgo.org.uk/decisions/x/y/22-001-239/?displaypref=2#top`` ->
    ``https://www.lgo.org.uk/decisions/x/y/22-001-239``.
    """
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if host in _LGSCO_HOSTS:
        host, scheme, port = LGSCO_HOST, "https", None
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, "", ""))


# --- dates ------------------------------------------------------------------------------------

_MONTH_ABBREVIATIONS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {name: number for number, name in enumerate(_MONTH_ABBREVIATIONS, start=1)}
_MONTHS.update({name: number for number, name in enumerate(_MONTH_NAMES, start=1)})
_MONTHS["sept"] = 9
_DATE_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?[\s\-,]+(\d{4})", re.IGNORECASE
)
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_UK_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> date:
    """Parse a date as the LGSCO writes it and return a :class:`datetime.date`.

    Accepts ``09 Oct 2022`` and ``9 October 2022`` (decision pages), ``09-Oct-2022`` (search
    listing), ISO ``2022-10-09`` and UK ``09/10/2022`` (day first). Surrounding text is not
    allowed; raises :class:`ValueError` otherwise.
    """
    value = clean_text(text)
    if match := _DATE_DAY_MONTH_YEAR.fullmatch(value):
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name.casefold())
        if month is None:
            raise ValueError(f"unknown month in date {text!r}")
        return _make_date(int(year), month, int(day), text)
    if match := _DATE_ISO.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
        return _make_date(year, month, day, text)
    if match := _DATE_UK_NUMERIC.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
        return _make_date(year, month, day, text)
    raise ValueError(f"not a recognised date: {text!r}")


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"impossible date {text!r}: {exc}") from None


# --- money ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyAmount:
    """A £ amount found in text, with the sentence it came from.

    ``section`` is filled by the decision-page parser (``summary``, ``agreed_action``,
    ``recommendations``); :func:`find_money` leaves it None.
    """

    amount: Decimal
    per_month: bool
    sentence: str
    section: str | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the amount as a string with two decimals (exact)."""
        return {
            "amount": f"{self.amount:.2f}",
            "per_month": self.per_month,
            "sentence": self.sentence,
            "section": self.section,
        }


_MONEY = re.compile(
    r"£\s?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?(?P<k>\s?[kK]\b)?"
    r"(?P<monthly>\s*(?:(?:a|per|each|every|for each|for every)\s+(?:calendar\s+)?month\b"
    r"|/\s*month\b|monthly\b|pcm\b))?",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-z\s])|(?<=;)\s+|\n+")


def find_money(text: str) -> list[MoneyAmount]:
    """Every £ amount in ``text`` in order of appearance.

    ``£1,300`` -> 1300.00, ``£250`` -> 250.00, ``£12.50`` -> 12.50; ``£1.5k`` / ``£2k`` are
    read as thousands (1500.00, 2000.00). An amount followed by ``a month``, ``per month``,
    ``each/every month``, ``/month``, ``monthly`` or ``pcm`` has ``per_month=True``. A ``£``
    with no digits after it is ignored. Sentences are split on ``.``/``!``/``?`` followed by
    whitespace and a character that is not a lower-case letter, on ``;`` followed by
    whitespace, and on line breaks; whitespace in the sentence is collapsed.
    """
    found: list[MoneyAmount] = []
    for sentence in _SENTENCE_END.split(text or ""):
        for match in _MONEY.finditer(sentence):
            fraction = match.group("fraction") or ""
            amount = Decimal(match.group("number").replace(",", "") + fraction)
            if match.group("k"):
                amount *= 1000
            found.append(
                MoneyAmount(
                    amount=amount.quantize(Decimal("0.01")),
                    per_month=bool(match.group("monthly")),
                    sentence=clean_text(sentence),
                )
            )
    return found


# --- decisions --------------------------------------------------------------------------------

DECISION_VALUES = {
    "upheld": "upheld",
    "not upheld": "not_upheld",
    "closed after initial enquiries": "closed_after_initial_enquiries",
}


def normalise_decision(text: str) -> str:
    """``Upheld`` / ``Not upheld`` / ``Closed after initial enquiries`` (any case, spacing,
    hyphens or underscores, optional trailing ``.`` or ``:``) -> ``upheld`` / ``not_upheld`` /
    ``closed_after_initial_enquiries``. Anything else raises :class:`ValueError`.
    """
    key = clean_text(re.sub(r"[_\-]", " ", text or "")).casefold().rstrip(".:").strip()
    try:
        return DECISION_VALUES[key]
    except KeyError:
        raise ValueError(f"unknown LGSCO decision value: {text!r}") from None


# --- slugs and labels -------------------------------------------------------------------------

CATEGORY_LABELS = {
    "adult-care-services": "Adult care services",
    "benefits-and-tax": "Benefits and tax",
    "children-s-care-services": "Children's care services",
    "education": "Education",
    "environment-and-regulation": "Environment and regulation",
    "housing": "Housing",
    "planning": "Planning",
    "transport-and-highways": "Transport and highways",
    "other-categories": "Other categories",
}

_KNOWN_SUBCATEGORIES = (
    "Assessment and care plan",
    "Charging",
    "Direct payments",
    "Disabled facilities grants",
    "Domiciliary care",
    "Residential care",
    "Safeguarding",
    "Transition from childrens services",
    "Council tax",
    "Housing benefit and council tax benefit",
    "Adoption",
    "Child protection",
    "Friends and family carers",
    "Looked after children",
    "Other",
    "Alternative provision",
    "School transport",
    "School admissions",
    "Special educational needs",
    "Drainage",
    "Noise",
    "Refuse and recycling",
    "Allocations",
    "Homelessness",
    "Enforcement",
    "Planning applications",
    "Highway repair and maintenance",
    "Parking and other penalties",
    "Traffic management",
    "Councillor conduct and standards",
)


def slugify(label: str) -> str:
    """The site's slug for a label: lower case, every run of non-alphanumerics -> ``-``.

    ``"Children's care services"`` -> ``"children-s-care-services"``.
    """
    text = unicodedata.normalize("NFKC", label or "").casefold().translate(_APOSTROPHES)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


SUBCATEGORY_LABELS = {slugify(label): label for label in _KNOWN_SUBCATEGORIES}


def _label_from_slug(slug: str) -> str:
    words = slugify(slug).replace("-s-", "'s-").split("-")
    text = " ".join(word for word in words if word)
    return text[:1].upper() + text[1:]


def category_label(slug: str) -> str:
    """Top-level category slug -> label (``education`` -> ``Education``).

    Unknown slugs get a generic label: hyphens -> spaces, ``-s-`` -> ``'s``, first letter
    capitalised.
    """
    return CATEGORY_LABELS.get(slugify(slug)) or _label_from_slug(slug)


def subcategory_label(slug: str) -> str:
    """Subcategory slug -> label (``children-s-care-services`` -> ``Children's care services``,
    ``direct-payments`` -> ``Direct payments``); known labels are returned as the site
    spells them, others are derived as in :func:`category_label`.
    """
    key = slugify(slug)
    return SUBCATEGORY_LABELS.get(key) or CATEGORY_LABELS.get(key) or _label_from_slug(slug)
