"""Unit tests of the pure LGSCO normalisers (scrapers.lgsco.normalise)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scrapers.lgsco.decision_page import has_satisfactory_remedy
from scrapers.lgsco.harvest import month_windows
from scrapers.lgsco.normalise import (
    canonical_url,
    category_label,
    find_money,
    find_reference,
    normalise_decision,
    normalise_organisation,
    normalise_reference,
    parse_date,
    reference_to_slug,
    slugify,
    subcategory_label,
)


@pytest.mark.parametrize("text", ["22-001-239", "22 001 239", "22001239", " 22 001 239\n"])
def test_reference_forms_normalise_to_spaced(text: str) -> None:
    assert normalise_reference(text) == "22 001 239"


@pytest.mark.parametrize(
    "text", ["", "22-001-23", "22 0012 39", "2200123999", "22--001-239", "ab 001 239", "22/001/239"]
)
def test_bad_references_raise(text: str) -> None:
    with pytest.raises(ValueError, match="not an LGSCO reference"):
        normalise_reference(text)


def test_reference_search_and_slug() -> None:
    assert find_reference("Kent County Council (22-001-239)") == "22 001 239"
    assert find_reference("/decisions/education/school-transport/22-004-404") == "22 004 404"
    assert find_reference("phone 01234 567 890") is None
    assert reference_to_slug("22001239") == "22-001-239"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Kent County Council", "kent county"),
        ("KENT COUNTY COUNCIL", "kent county"),
        ("Brighton & Hove City Council", "brighton and hove"),
        ("Brighton and Hove Council", "brighton and hove"),
        ("The Brighton and Hove City Council", "brighton and hove"),
        ("City Of York Council", "york"),
        ("York City Council", "york"),
        ("City of York", "york"),
        ("Council of the Isles of Scilly", "isles of scilly"),
        ("Royal Borough of Windsor & Maidenhead", "royal borough of windsor and maidenhead"),
        ("Meadowbank Care Homes Limited", "meadowbank care homes ltd"),
        ("Meadowbank Care Homes Ltd.", "meadowbank care homes ltd"),
        ("St. Helens  Borough\u00a0Council", "st helens borough"),
        ("King\u2019s Lynn & West Norfolk Borough Council", "kings lynn and west norfolk borough"),
    ],
)
def test_organisation_keys(name: str, key: str) -> None:
    assert normalise_organisation(name) == key


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "http://lgo.org.uk/decisions/adult-care-services/direct-payments/22-001-239",
            "https://www.lgo.org.uk/decisions/adult-care-services/direct-payments/22-001-239",
        ),
        (
            "https://www.lgo.org.uk/decisions/education/school-transport/22-004-404/"
            "?displaypref=2#top",
            "https://www.lgo.org.uk/decisions/education/school-transport/22-004-404",
        ),
        (
            "HTTPS://WWW.LGO.ORG.UK:443/decisions/housing/allocations/21-011-111?displaypref=3",
            "https://www.lgo.org.uk/decisions/housing/allocations/21-011-111",
        ),
        (
            "http://127.0.0.1:8123/decisions/x/y/22-001-239/?a=1",
            "http://127.0.0.1:8123/decisions/x/y/22-001-239",
        ),
        ("https://example.org:443/", "https://example.org/"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09 Oct 2022", date(2022, 10, 9)),
        ("9 October 2022", date(2022, 10, 9)),
        ("09-Oct-2022", date(2022, 10, 9)),
        ("9-oct-2022", date(2022, 10, 9)),
        ("2022-10-09", date(2022, 10, 9)),
        ("09/10/2022", date(2022, 10, 9)),
        (" 14  March 2012 ", date(2012, 3, 14)),
        ("1 Sept 2023", date(2023, 9, 1)),
        ("3rd February 2023", date(2023, 2, 3)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "Oct 2022", "31 Feb 2023", "09 Octember 2022", "2022/10/09"])
def test_bad_dates_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_money_amounts_with_their_sentences() -> None:
    text = (
        "The Council agreed to pay Mrs X £300 for her time and trouble; pay £1,300 for missed "
        "sessions. It will also pay £100 a month until the support is in place.\n"
        "- pay £250 to acknowledge distress\n"
        "A £ sign alone is not money. Costs were £12.50 per month or £1.5k in total."
    )
    found = [(m.amount, m.per_month, m.sentence) for m in find_money(text)]
    assert found == [
        (
            Decimal("300.00"),
            False,
            "The Council agreed to pay Mrs X £300 for her time and trouble;",
        ),
        (Decimal("1300.00"), False, "pay £1,300 for missed sessions."),
        (
            Decimal("100.00"),
            True,
            "It will also pay £100 a month until the support is in place.",
        ),
        (Decimal("250.00"), False, "- pay £250 to acknowledge distress"),
        (Decimal("12.50"), True, "Costs were £12.50 per month or £1.5k in total."),
        (Decimal("1500.00"), False, "Costs were £12.50 per month or £1.5k in total."),
    ]


@pytest.mark.parametrize(
    ("text", "per_month"),
    [
        ("£100 a month", True),
        ("£100 per month", True),
        ("£100 for each month", True),
        ("£100 monthly", True),
        ("£100 a year", False),
        ("£100 and a month later", False),
    ],
)
def test_money_per_month(text: str, per_month: bool) -> None:
    [amount] = find_money(text)
    assert (amount.amount, amount.per_month) == (Decimal("100.00"), per_month)


def test_money_as_dict_is_exact() -> None:
    [amount] = find_money("pay £1,300.")
    assert amount.as_dict() == {
        "amount": "1300.00",
        "per_month": False,
        "sentence": "pay £1,300.",
        "section": None,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Upheld", "upheld"),
        ("  UPHELD ", "upheld"),
        ("Not upheld", "not_upheld"),
        ("not   Upheld", "not_upheld"),
        ("not-upheld", "not_upheld"),
        ("Closed after initial enquiries", "closed_after_initial_enquiries"),
        ("closed  after INITIAL enquiries.", "closed_after_initial_enquiries"),
    ],
)
def test_decision_values(text: str, value: str) -> None:
    assert normalise_decision(text) == value


@pytest.mark.parametrize("text", ["", "Withdrawn", "Upheld: maladministration", "Premature"])
def test_unknown_decision_values_raise(text: str) -> None:
    with pytest.raises(ValueError, match="unknown LGSCO decision value"):
        normalise_decision(text)


@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("adult-care-services", "Adult care services"),
        ("benefits-and-tax", "Benefits and tax"),
        ("children-s-care-services", "Children's care services"),
        ("education", "Education"),
        ("environment-and-regulation", "Environment and regulation"),
        ("housing", "Housing"),
        ("planning", "Planning"),
        ("transport-and-highways", "Transport and highways"),
        ("other-categories", "Other categories"),
    ],
)
def test_category_labels(slug: str, label: str) -> None:
    assert category_label(slug) == label
    assert slugify(label) == slug


@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("children-s-care-services", "Children's care services"),
        ("direct-payments", "Direct payments"),
        ("transition-from-childrens-services", "Transition from childrens services"),
        ("housing-benefit-and-council-tax-benefit", "Housing benefit and council tax benefit"),
        ("special-educational-needs", "Special educational needs"),
        ("councillor-conduct-and-standards", "Councillor conduct and standards"),
        ("new-subcategory-s-thing", "New subcategory's thing"),
    ],
)
def test_subcategory_labels(slug: str, label: str) -> None:
    assert subcategory_label(slug) == label


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("The Council had already offered a suitable remedy before Mr F complained to us.", True),
        ("There was fault, but the Council has already provided an appropriate remedy.", True),
        ("Before Mrs X complained, the Council had provided a satisfactory remedy.", True),
        ("The Council had not offered a suitable remedy, so we recommended one.", False),
        ("The Council has agreed a suitable remedy.", False),
        ("The Council already apologised but that was not enough.", False),
    ],
)
def test_satisfactory_remedy_detection(summary: str, expected: bool) -> None:
    assert has_satisfactory_remedy(summary) is expected


def test_month_windows() -> None:
    assert month_windows(date(2022, 11, 25), date(2023, 1, 31)) == [
        (date(2022, 11, 25), date(2022, 11, 30)),
        (date(2022, 12, 1), date(2022, 12, 31)),
        (date(2023, 1, 1), date(2023, 1, 31)),
    ]
    assert month_windows(date(2024, 2, 10), date(2024, 2, 12)) == [
        (date(2024, 2, 10), date(2024, 2, 12))
    ]
    assert month_windows(date(2024, 3, 1), date(2024, 2, 1)) == []
