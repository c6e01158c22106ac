"""Parsing of LGSCO decision pages (every layout variant) and search results pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from scrapers.lgsco.decision_page import Decision, UnknownLayoutError, parse_decision_page
from scrapers.lgsco.listing import (
    EmptyListingError,
    ListingLayoutError,
    ListingRow,
    is_decision_url,
    parse_listing,
    search_url,
)

SITE = Path(__file__).parent / "fixtures" / "lgsco_site"
PAGES = SITE / "pages"
LGO = "https://www.lgo.org.uk"
FETCHED_AT = datetime(2023, 4, 1, 12, 0, tzinfo=UTC)


def parse(path: str, *, url: str | None = None, row: ListingRow | None = None) -> Decision:
    html = (PAGES / (path.lstrip("/") + ".html")).read_text(encoding="utf-8")
    return parse_decision_page(html, url or LGO + path, row=row, fetched_at=FETCHED_AT)


def amounts(decision: Decision) -> list[tuple[Decimal, bool, str | None]]:
    return [(a.amount, a.per_month, a.section) for a in decision.remedy_amounts]


def row_for(path: str, **fields: object) -> ListingRow:
    values: dict[str, object] = {
        "url": LGO + path,
        "reference": "00 000 000",
        "organisation": None,
        "publication_type": "statement",
        "decision": "upheld",
        "subcategory": "Other",
        "decision_date": date(2000, 1, 1),
        "summary": "",
    }
    values.update(fields)
    return ListingRow(**values)  # type: ignore[arg-type]


# --- decision pages ---------------------------------------------------------------------------


def test_current_layout_with_blank_header_lines_and_amounts() -> None:
    path = "/decisions/adult-care-services/direct-payments/22-001-239"
    decision = parse(path, url="http://lgo.org.uk" + path + "/?displaypref=2")
    assert decision.reference == "22 001 239"
    assert decision.organisation == "Kent County Council"
    assert decision.organisation_key == "kent county"
    assert (decision.category, decision.category_slug) == (
        "Adult care services",
        "adult-care-services",
    )
    assert (decision.subcategory, decision.subcategory_slug) == (
        "Direct payments",
        "direct-payments",
    )
    assert decision.decision == "upheld"
    assert decision.publication_type == "statement"
    assert decision.decision_date == date(2022, 10, 9)
    assert decision.summary == (
        "Ms D complained the Council reduced her son's direct payments without reassessing his "
        "needs, which left gaps in his support for several months. We found fault causing "
        "injustice. The Council has agreed to apologise, pay Ms D £1,300 for the support her son "
        "missed and pay £100 a month until a new assessment is complete."
    )
    assert amounts(decision) == [
        (Decimal("1300.00"), False, "summary"),
        (Decimal("100.00"), True, "summary"),
        (Decimal("1300.00"), False, "agreed_action"),
        (Decimal("100.00"), True, "agreed_action"),
    ]
    assert decision.remedy_amounts[3].sentence == (
        "It will pay Ms D £100 a month from November 2022 until the reassessment is complete."
    )
    assert decision.satisfactory_remedy is False
    assert decision.satisfied_date is None
    assert decision.url == LGO + path
    assert decision.fetched_at == FETCHED_AT
    assert decision.layout == "current"
    assert len(decision.text_sha256) == 64


def test_compact_header_with_odd_colon_spacing_and_satisfactory_remedy() -> None:
    decision = parse("/decisions/adult-care-services/charging/22-002-468")
    assert decision.reference == "22 002 468"
    assert (decision.category, decision.subcategory) == ("Adult care services", "Charging")
    assert decision.decision == "upheld"
    assert decision.decision_date == date(2022, 11, 14)
    assert decision.satisfactory_remedy is True
    assert amounts(decision) == [(Decimal("250.00"), False, "summary")]
    assert decision.remedy_amounts[0].sentence == (
        "But the Council had already offered a suitable remedy before Mr F complained to us: "
        "it waived £250 of the charges and apologised."
    )
    assert decision.layout == "current"


def test_label_and_value_on_separate_lines() -> None:
    decision = parse("/decisions/transport-and-highways/traffic-management/22-006-606")
    assert decision.organisation == "Kent County Council"
    assert (decision.category, decision.subcategory) == (
        "Transport and highways",
        "Traffic management",
    )
    assert decision.decision == "closed_after_initial_enquiries"
    assert decision.decision_date == date(2023, 1, 10)
    assert decision.summary.startswith("We will not investigate Mr K's complaint")
    assert decision.remedy_amounts == ()


def test_label_value_pairs_run_together_in_one_paragraph() -> None:
    html = (
        "<article id='article'><h1>Kent County Council (22 001 239)</h1><p>"
        "<span class='label'>Category:</span><span class='value'>Education &gt; School transport"
        "</span><span class='label'>Decision:</span><span class='value'>Not upheld</span>"
        "<span class='label'>Decision date:</span><span class='value'>1 Dec 2022</span></p>"
        "<h2>The Ombudsman's final decision:</h2><p>Summary: No fault found.</p></article>"
    )
    decision = parse_decision_page(html, LGO + "/decisions/education/school-transport/22-001-239")
    assert (decision.category, decision.subcategory) == ("Education", "School transport")
    assert decision.decision == "not_upheld"
    assert decision.decision_date == date(2022, 12, 1)
    assert decision.summary == "No fault found."


def test_page_without_header_lines_falls_back_to_url_and_listing_row() -> None:
    path = "/decisions/children-s-care-services/looked-after-children/22-003-333"
    bare = parse(path)
    assert (bare.category, bare.subcategory) == (
        "Children's care services",
        "Looked after children",
    )
    assert (bare.category_slug, bare.subcategory_slug) == (
        "children-s-care-services",
        "looked-after-children",
    )
    assert bare.decision is None
    assert bare.decision_date is None
    assert bare.layout == "no_header"

    row = row_for(
        path,
        reference="22 003 333",
        decision="not_upheld",
        subcategory="Looked after children",
        decision_date=date(2022, 11, 21),
    )
    decision = parse(path, row=row)
    assert decision.organisation == "Kent County Council"
    assert decision.decision == "not_upheld"
    assert decision.decision_date == date(2022, 11, 21)
    assert decision.publication_type == "statement"
    assert decision.summary == (
        "Miss G complained about how the Council arranged contact between her and her daughter, "
        "who is looked after by the Council. We found no fault in how the Council reached its "
        "decisions about contact."
    )


def test_2012_page_with_cookie_banner_and_no_summary_label() -> None:
    path = "/decisions/adult-care-services/assessment-and-care-plan/11-004-567"
    row = row_for(path, reference="11 004 567", decision="upheld", decision_date=date(2012, 3, 14))
    decision = parse(path, row=row)
    assert decision.reference == "11 004 567"
    assert decision.organisation == "Kent County Council"
    assert (decision.category, decision.subcategory) == (
        "Adult care services",
        "Assessment and care plan",
    )
    assert decision.decision == "upheld"
    assert decision.decision_date == date(2012, 3, 14)
    assert decision.summary == (
        "The Ombudsman found that the Council delayed a community care assessment for Mrs L's "
        "father and did not explain how the charges for his day care were worked out. The Council "
        "agreed to pay Mrs L £250 and to review how it explains charges."
    )
    assert "cookies" not in decision.summary
    assert amounts(decision) == [
        (Decimal("250.00"), False, "summary"),
        (Decimal("250.00"), False, "recommendations"),
    ]
    assert decision.satisfactory_remedy is False
    assert decision.layout == "legacy"


def test_public_interest_report() -> None:
    decision = parse("/decisions/education/special-educational-needs/22-005-001")
    assert decision.reference == "22 005 001"
    assert decision.publication_type == "report"
    assert decision.layout == "report"
    assert decision.decision == "upheld"
    assert decision.decision_date == date(2022, 12, 7)
    assert decision.satisfied_date == date(2023, 3, 14)
    assert decision.summary == (
        "Mrs H complained the Council did not make sure her son, J, received the occupational "
        "therapy set out in his Education, Health and Care plan, and that it delayed his annual "
        "review. She also complained the Council did not respond to her complaint."
    )
    assert [(a.amount, a.per_month, a.sentence) for a in decision.remedy_amounts] == [
        (
            Decimal("300.00"),
            False,
            "pay Mrs H £300 for the time and trouble of pursuing her complaint;",
        ),
        (
            Decimal("1300.00"),
            False,
            "pay £1,300 for the therapy J missed, to be used for his benefit;",
        ),
        (
            Decimal("100.00"),
            True,
            "pay £100 a month from January 2023 until the therapy is in place.",
        ),
    ]
    assert {a.section for a in decision.remedy_amounts} == {"recommendations"}


def test_report_filed_under_two_references_hashes_the_same() -> None:
    first = parse("/decisions/education/special-educational-needs/22-005-001")
    second = parse("/decisions/education/special-educational-needs/22-005-002")
    assert (first.reference, second.reference) == ("22 005 001", "22 005 002")
    assert first.text_sha256 == second.text_sha256
    other = parse("/decisions/adult-care-services/charging/22-002-468")
    assert other.text_sha256 != first.text_sha256


def test_text_hash_ignores_markup_changes() -> None:
    path = "/decisions/adult-care-services/charging/22-002-468"
    html = (PAGES / (path.lstrip("/") + ".html")).read_text(encoding="utf-8")
    restyled = html.replace("<p>", "<p class='x'>  ").replace("<main>", "<main><!-- cms -->")
    assert parse_decision_page(restyled, LGO + path).text_sha256 == parse(path).text_sha256
    assert hashlib.sha256(html.encode()).hexdigest() != parse(path).text_sha256


def test_care_provider_organisation() -> None:
    decision = parse("/decisions/adult-care-services/residential-care/22-006-123")
    assert decision.organisation == "Meadowbank Care Homes Limited"
    assert decision.organisation_key == "meadowbank care homes ltd"
    assert decision.decision == "not_upheld"
    assert decision.decision_date == date(2023, 2, 3)
    assert (decision.category, decision.subcategory) == ("Adult care services", "Residential care")


def test_ampersand_name_matches_and_spelling() -> None:
    decision = parse("/decisions/benefits-and-tax/council-tax/22-008-321")
    assert decision.organisation == "Brighton & Hove City Council"
    assert decision.organisation_key == "brighton and hove"
    assert decision.decision == "closed_after_initial_enquiries"
    assert decision.decision_date == date(2023, 2, 28)
    assert (decision.category, decision.subcategory) == ("Benefits and tax", "Council tax")


def test_page_decision_wins_over_listing_row() -> None:
    path = "/decisions/adult-care-services/direct-payments/22-001-239"
    row = row_for(
        path, decision="not_upheld", decision_date=date(2022, 1, 1), publication_type="report"
    )
    decision = parse(path, row=row)
    assert decision.decision == "upheld"
    assert decision.decision_date == date(2022, 10, 9)
    assert decision.publication_type == "report"  # not evident from a statement page: row says


def test_as_dict_is_json_ready() -> None:
    record = parse("/decisions/education/special-educational-needs/22-005-001").as_dict()
    assert record["decision_date"] == "2022-12-07"
    assert record["satisfied_date"] == "2023-03-14"
    assert record["fetched_at"] == "2023-04-01T12:00:00+00:00"
    assert record["remedy_amounts"][1] == {
        "amount": "1300.00",
        "per_month": False,
        "sentence": "pay £1,300 for the therapy J missed, to be used for his benefit;",
        "section": "recommendations",
    }
    assert record["other_references"] == []


def test_unknown_layout_names_url_and_what_is_missing() -> None:
    url = LGO + "/decisions/other-categories/other/22-009-999"
    with pytest.raises(UnknownLayoutError) as caught:
        parse("/decisions/other-categories/other/22-009-999")
    assert caught.value.url == url
    assert url in str(caught.value)
    assert "Organisation (NN NNN NNN)" in caught.value.missing


@pytest.mark.parametrize(
    ("html", "url", "missing"),
    [
        (
            "<article id='article'><h1>Kent County Council (22 001 239)</h1>"
            "<p>Nothing else here.</p></article>",
            LGO + "/decisions/education/school-transport/22-001-239",
            "no summary",
        ),
        (
            "<article id='article'><h1>Kent County Council (22 001 239)</h1>"
            "<p>Summary: fine.</p></article>",
            LGO + "/some/other/page",
            "no category",
        ),
        (
            "<article id='article'><h1>Kent County Council (22 001 239)</h1>"
            "<p>Decision : Partly upheld</p><p>Summary: fine.</p></article>",
            LGO + "/decisions/education/school-transport/22-001-239",
            "unknown decision value 'Partly upheld'",
        ),
        (
            "<article id='article'><h1>Kent County Council (22 001 239)</h1>"
            "<p>Decision date : sometime</p><p>Summary: fine.</p></article>",
            LGO + "/decisions/education/school-transport/22-001-239",
            "unreadable date 'sometime'",
        ),
    ],
)
def test_incomplete_pages_raise_unknown_layout(html: str, url: str, missing: str) -> None:
    with pytest.raises(UnknownLayoutError, match="Unknown decision page layout at ") as caught:
        parse_decision_page(html, url)
    assert missing in caught.value.missing
    assert caught.value.url == url


# --- search listing ---------------------------------------------------------------------------

LISTING_URL = (
    LGO + "/Decisions/SearchResults?aname=Kent+County+Council&dc=c+nu+u+&fd=2022-10-01"
    "&td=2023-01-31&page=3&sortOrder=descending"
)


def test_search_url_keeps_decision_codes_verbatim() -> None:
    url = search_url(
        LGO, "Brighton & Hove City Council", date(2022, 10, 1), date(2022, 10, 31), page=2
    )
    assert url == (
        "https://www.lgo.org.uk/Decisions/SearchResults?aname=Brighton+%26+Hove+City+Council"
        "&dc=c+nu+u+&fd=2022-10-01&td=2022-10-31&page=2&sortOrder=descending"
    )
    with pytest.raises(ValueError, match="1-based"):
        search_url(LGO, "Kent County Council", date(2022, 10, 1), date(2022, 10, 31), page=0)
    with pytest.raises(ValueError, match="ends before it starts"):
        search_url(LGO, "Kent County Council", date(2022, 10, 2), date(2022, 10, 1))


def test_listing_page_rows() -> None:
    html = (SITE / "listings" / "search_results_page3.html").read_text(encoding="utf-8")
    page = parse_listing(html, LISTING_URL)
    assert (page.total, page.page, page.page_count) == (23, 3, 3)
    first, second, third = page.rows
    assert first == ListingRow(
        url="http://lgo.org.uk/decisions/education/special-educational-needs/22-005-001?displaypref=2",
        reference="22 005 001",
        organisation="Kent County Council",
        publication_type="report",
        decision="upheld",
        subcategory="Special educational needs",
        decision_date=date(2022, 12, 7),
        summary=(
            "Mrs H complained the Council did not make sure her son received the therapy in his "
            "plan."
        ),
    )
    assert first.canonical_url == (
        "https://www.lgo.org.uk/decisions/education/special-educational-needs/22-005-001"
    )
    # a row without the organisation line (its link reads "Read the decision")
    assert second.organisation is None
    assert second.reference == "22 003 333"
    assert (
        second.url == LGO + "/decisions/children-s-care-services/looked-after-children/22-003-333"
    )
    assert (second.publication_type, second.decision) == ("statement", "not_upheld")
    assert second.subcategory == "Looked after children"
    assert second.decision_date == date(2022, 11, 21)
    assert second.summary == (
        "Miss G complained about how the Council arranged contact with her daughter. "
        "We found no fault."
    )
    assert third.reference == "22 006 606"
    assert third.decision == "closed_after_initial_enquiries"
    assert third.subcategory == "Traffic management"
    assert third.decision_date == date(2023, 1, 10)
    assert (
        third.summary == "We will not investigate Mr K's complaint about a bus gate near his home."
    )


def test_listing_row_fingerprint_tracks_content_not_query() -> None:
    html = (SITE / "listings" / "search_results_page3.html").read_text(encoding="utf-8")
    row = parse_listing(html, LISTING_URL).rows[0]
    moved = ListingRow(**{**row.__dict__, "url": row.url.split("?")[0]})
    edited = ListingRow(**{**row.__dict__, "summary": row.summary + " Updated."})
    assert moved.fingerprint == row.fingerprint
    assert edited.fingerprint != row.fingerprint
    assert ListingRow.from_dict(row.as_dict()) == row


def test_empty_shell_listing_is_an_error_not_zero() -> None:
    html = (SITE / "listings" / "empty_shell.html").read_text(encoding="utf-8")
    with pytest.raises(EmptyListingError) as caught:
        parse_listing(html, LISTING_URL)
    assert caught.value.url == LISTING_URL
    assert LISTING_URL in str(caught.value)


def test_explicit_no_results_is_zero() -> None:
    page = parse_listing("<main><p>Your search has no results</p></main>", LISTING_URL)
    assert (page.total, page.rows) == (0, ())


def test_count_without_rows_is_a_layout_error() -> None:
    html = "<main><p>Your search has 12 results</p><div>(rows rendered by script)</div></main>"
    with pytest.raises(ListingLayoutError, match="says 12 results but page 1 has no result rows"):
        parse_listing(html, LISTING_URL.replace("page=3", "page=1"))


def test_unreadable_row_is_a_layout_error() -> None:
    html = (
        "<main><p>Your search has 1 results</p><ul><li>"
        "<a href='/decisions/housing/homelessness/22-001-239'>Kent County Council (22 001 239)</a>"
        "<p>Decided recently</p></li></ul></main>"
    )
    with pytest.raises(ListingLayoutError, match=r"'<Statement\|Report> <Decision> \.\.\.' line"):
        parse_listing(html, LISTING_URL)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/decisions/adult-care-services/direct-payments/22-001-239", True),
        ("https://lgo.org.uk/decisions/housing/22-001-239/?displaypref=2", True),
        ("/Decisions/SearchResults?aname=Kent", False),
        ("/decisions/adult-care-services", False),
    ],
)
def test_is_decision_url(url: str, expected: bool) -> None:
    assert is_decision_url(url) is expected
