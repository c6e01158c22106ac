"""The marts of issue #10 that need the contract's optional additions
(docs/contract-additions.md), built by the nightly flow on tests/fixtures/delivery_extra
and checked against figures worked out by hand from that fixture.

The fixture (all corporate complaints; GET = Growth, Environment and Transport):

    E1  stage 1 Waste       K1 Ashford   recd 01/05/2023 ack 02/05 closed 15/05 upheld
    E2  stage 1 Highways    K1 Ashford   recd 01/09/2023 ack 04/09 closed 29/09 not upheld
    E3  stage 1 Waste       K2 Thanet    recd 05/06/2023 ack 06/06 closed 20/06 partly upheld,
                                         reopened 10/07/2023
    E4  stage 1 ASCH        K3 no area   recd 03/07/2023 open
    E5  stage 1 Waste       K2 Thanet    recd 01/08/2024 (no ack) closed 14/08/2024 not upheld
    E6  stage 2 Waste (E3)  K2 Thanet    recd 11/07/2023 ack 12/07 closed 09/08 not upheld
    E7  stage 1 Waste       K4 Ashford   recd 08/01/2024 ack 09/01 closed 31/01 upheld,
                                         extension agreed to 02/02/2024
    E8  stage 1 Waste       K5 E09999999 recd 02/10/2023 ack 03/10 closed 20/10 not upheld
    N1-N4 not accepted (N1, N4 GET service requests reclassified; N2 GET out of time;
          N3 ASCH, no reason, handled as an enquiry); C1 a compliment.

The run sets tsm_homes_owned 2000, tsm_services [Waste] and equalities_suppress_below 3.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from support import FIXTURES, Run, run_nightly

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
GET = "Growth, Environment and Transport"
ASCH = "Adult Social Care and Health"
Y1, Y2 = "2023/24", "2024/25"
COUNCIL_VARS = {"tsm_homes_owned": 2000, "tsm_services": ["Waste"], "equalities_suppress_below": 3}


@pytest.fixture(scope="module")
def extra_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("extra")
    shutil.copytree(FIXTURES / "delivery_extra", root / "drop")
    run = run_nightly(root, root / "drop", dbt_vars=COUNCIL_VARS)
    assert run.state.is_completed(), run.state.message
    return run


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def population(mid_year: int, area_code: str | None = None) -> int:
    return sum(
        int(r["population"])
        for r in seed_rows("area_populations")
        if int(r["mid_year"]) == mid_year and area_code in (None, r["area_code"])
    )


def test_not_accepted_contacts_are_kept_apart(extra_run: Run) -> None:
    assert extra_run.query(
        "select case_ref, not_accepted_reason, reclassified_as"
        " from marts.fct_not_accepted_contacts order by case_ref"
    ) == [
        ("N1", "Service request", "service_request"),
        ("N2", "Out of time", None),
        ("N3", "Not recorded", "enquiry"),
        ("N4", "Service request", "service_request"),
    ]
    # No report table counts them: Table 2 holds the 6 accepted stage 1 complaints of
    # 2023/24 (E1 E2 E3 E4 E7 E8), not 10.
    assert extra_run.query(
        "select sum(complaints_received) from report.rpt_stage1_received_by_directorate"
        " where financial_year = ? and directorate <> 'Total'",
        [Y1],
    ) == [(6,)]
    assert extra_run.summary["absent_optional_fields"] == []
    assert "complainant_profile" not in extra_run.summary["absent_optional_entities"]


def test_refused_complaints(extra_run: Run) -> None:
    assert extra_run.query("select * from report.rpt_refused_complaints order by all") == [
        # ASCH: N3 refused, E4 accepted: 1 / 2.
        (Y1, ASCH, "Not recorded", "enquiry", 1, 1, 1, 0.5),
        # GET: N1, N2, N4 refused; E1 E2 E3 E7 E8 accepted: 3 / 8.
        (Y1, GET, "Out of time", "not reclassified", 1, 3, 5, 0.375),
        (Y1, GET, "Service request", "service_request", 2, 3, 5, 0.375),
    ]


def test_repeat_complainants(extra_run: Run) -> None:
    assert extra_run.query("select * from report.rpt_repeat_complainants order by all") == [
        # 2023/24 new complaints with a key: E1 E2 (K1), E3 (K2), E4 (K3), E7 (K4), E8 (K5);
        # E6 is E3's escalation, not a new complaint. K1's two are 123 days apart (a
        # repeat, about two services); K2's E3 and E5 are 423 days apart (no repeat).
        # E3 was reopened on 10/07/2023.
        (Y1, 5, 6, 1, 2, 0.2, 1, 1),
        (Y2, 1, 1, 0, 0, 0.0, 0, 0),
    ]


def test_remedy_delivery(extra_run: Run) -> None:
    got = extra_run.query(
        "select financial_year, directorate, remedy_kind, cast(as_of_date as varchar),"
        " remedies_due, delivered_on_time, delivered_late, outstanding, outstanding_past_due,"
        " share_delivered_on_time, mean_days_late from report.rpt_remedy_delivery order by all"
    )
    assert got == [
        # E4's training: due 31/08, done 20/09: 20 days late. As of 14/08/2024, the
        # latest last_modified of the export (E5).
        (Y1, ASCH, "action", "2024-08-14", 1, 0, 1, 0, 0, 0.0, 20.0),
        # E1's apology (early) and E3's explanation (on the day); E8's has no due date.
        (Y1, GET, "action", "2024-08-14", 2, 2, 0, 0, 0, 1.0, None),
        # E1's payment 10 days late; E7's due 28/02/2024, still outstanding.
        (Y1, GET, "payment", "2024-08-14", 2, 0, 1, 1, 1, 0.0, 10.0),
        # E5's apology due 30/09/2024: outstanding, not yet due.
        (Y2, GET, "action", "2024-08-14", 1, 0, 0, 1, 0, 0.0, None),
    ]


def test_area_rates(extra_run: Run) -> None:
    got = {
        (fy, code): (known, decile, mid_year, pop, n, rate)
        for fy, code, _name, known, decile, mid_year, pop, n, rate in extra_run.query(
            "select * from report.rpt_area_rates"
        )
    }
    seed_areas = {r["area_code"] for r in seed_rows("area_populations")}
    # 2023/24: every seed area, the unknown code E09999999 (E8) and E4's missing area;
    # 2024/25: the seed areas only (E5 has Thanet).
    assert set(got) == {(Y1, a) for a in seed_areas | {"E09999999", "Not recorded"}} | {
        (Y2, a) for a in seed_areas
    }
    ashford, thanet = population(2023, "E07000105"), population(2023, "E07000114")
    assert got[Y1, "E07000105"] == (True, 6, 2023, ashford, 3, 10000 * 3 / ashford)  # E1 E2 E7
    assert got[Y1, "E07000114"] == (True, 2, 2023, thanet, 1, 10000 / thanet)  # E3
    assert got[Y1, "E09999999"] == (False, None, None, None, 1, None)
    assert got[Y1, "Not recorded"] == (False, None, None, None, 1, None)
    assert got[Y2, "E07000114"][2:5] == (2024, population(2024, "E07000114"), 1)
    assert sum(v[4] for k, v in got.items() if k[0] == Y1) == 6
    assert sum(v[4] for k, v in got.items() if k[0] == Y2) == 1


def test_complaints_per_activity(extra_run: Run) -> None:
    got = {
        (fy, service): (measure, value, n, per_1000, residents, per_10000)
        for fy, service, measure, value, n, per_1000, residents, per_10000 in extra_run.query(
            "select * from report.rpt_complaints_per_activity"
        )
    }
    activity = {
        (r["financial_year"], r["service"]): (r["measure"], float(r["value"]))
        for r in seed_rows("service_activity")
        if r["financial_year"] in (Y1, Y2)
    }
    assert set(got) == set(activity)  # every complained-about service has an activity row
    residents = population(2023)
    measure, value = activity[Y1, "Waste"]
    # Waste 2023/24: E1 E3 E7 E8.
    assert got[Y1, "Waste"] == (measure, value, 4, 4000 / value, residents, 40000 / residents)
    assert got[Y1, "Highways and Transportation"][2] == 1  # E2
    assert got[Y1, ASCH][2] == 1  # E4
    assert got[Y2, "Waste"][2] == 1  # E5
    assert got[Y2, "Waste"][4] == population(2024)
    assert sum(v[2] for v in got.values()) == 7


def test_tsm_complaints(extra_run: Run) -> None:
    assert extra_run.query("select * from report.rpt_tsm_complaints order by all") == [
        # CH01: Waste stage 1 received E1 E3 E7 E8 = 4, stage 2 E6 = 1, per 1,000 of 2,000.
        # CH02 stage 1, working days from acknowledgement: E1 8 (Coronation day 8/5), E3 10,
        # E7 16 but closed by its extension (18 wd, within 10 + 10), E8 13: 3 of 4.
        # Stage 2: E6 20 wd: within.
        (Y1, 2000, 4, 1, 2.0, 0.5, 4, 3, 0.75, 1, 1, 1.0),
        # E5: 9 wd from receipt (no acknowledgement recorded).
        (Y2, 2000, 1, 0, 0.5, 0.0, 1, 1, 1.0, 0, 0, None),
    ]


def test_equalities_profile_is_suppressed_in_the_mart(extra_run: Run) -> None:
    rows = extra_run.query(
        "select characteristic, group_name, complainants, share_of_recorded_complainants,"
        " population_share, stage1_responses, upheld_responses, uphold_rate,"
        " has_suppressed_cells from report.rpt_equalities_profile where financial_year = ?"
        " and characteristic in ('sex', 'disability') order by all",
        [Y1],
    )
    female = 808000 / (808000 + 782000)
    disabled = 294000 / (294000 + 1296000)
    assert [r[:2] for r in rows] == [
        ("disability", "All recorded"),
        ("disability", "Disabled"),
        ("disability", "Not disabled"),
        ("disability", "Not recorded"),
        ("sex", "All recorded"),
        ("sex", "Female"),
        ("sex", "Male"),
    ]
    got = {(r[0], r[1]): r[2:] for r in rows}
    # Threshold 3: counts of 1 and 2 are hidden. Sex 2023/24: complainants Female 3 (K1 K3
    # K5) and Male 2 (K2 K4); Male is hidden, so Female goes with it (the lone suppressed
    # cell takes the smallest other); the total 5 stays. Responses: Female 3 (E1 E2 E8),
    # Male 2 (E3 E7): the same. Upheld: Female 1 (E1), Male 2 (E3 E7): both hidden.
    assert got["sex", "All recorded"] == (5, 1.0, 1.0, 5, 3, 0.6, False)
    assert got["sex", "Female"] == (None, None, female, None, None, None, True)
    assert got["sex", "Male"] == (None, None, 1 - female, None, None, None, True)
    # Disability: complainants Disabled 1 (K1) hidden, so Not disabled 3 (K2 K4 K5) too;
    # Not recorded 1 (K3) is hidden on its own. Responses Disabled 2 (E1 E2), Not
    # disabled 3 (E3 E7 E8); upheld 1 (E1) and 2 (E3 E7).
    assert got["disability", "All recorded"] == (4, 1.0, 1.0, 5, 3, 0.6, False)
    assert got["disability", "Disabled"] == (None, None, disabled, None, None, None, True)
    assert got["disability", "Not disabled"][:3] == (None, None, 1 - disabled)
    assert got["disability", "Not recorded"] == (None, None, None, 0, 0, None, True)


def test_no_lone_suppressed_cell_in_the_equalities_profile(extra_run: Run) -> None:
    """In every year, characteristic and count, the recorded groups and their total never
    have exactly one hidden cell (it could be worked out from the others)."""
    rows = extra_run.query(
        "select financial_year, characteristic, group_name, complainants, stage1_responses,"
        " upheld_responses from report.rpt_equalities_profile where group_name <> 'Not recorded'"
    )
    assert rows
    groups: dict[tuple[str, str, int], int] = {}
    for fy, characteristic, _group, *counts in rows:
        for i, value in enumerate(counts):
            key = (fy, characteristic, i)
            groups[key] = groups.get(key, 0) + (value is None)
        shown = [v for v in counts if v is not None]
        assert all(v == 0 or v >= 3 for v in shown)
    assert all(hidden != 1 for hidden in groups.values()), groups
    assert any(hidden >= 2 for hidden in groups.values())


def test_the_marts_are_empty_without_the_optional_fields(small_run: Run) -> None:
    """tests/fixtures/delivery_small delivers none of the additions: empty marts, a note."""
    assert set(small_run.summary["absent_optional_fields"]) == {
        "cases.complainant_key",
        "cases.area_code",
        "cases.not_accepted_reason",
        "cases.reclassified_as",
        "cases.reopened_date",
        "case_actions.due_date",
        "case_actions.completed_date",
    }
    assert "complainant_profile" in small_run.summary["absent_optional_entities"]
    for model in (
        "rpt_refused_complaints",
        "rpt_repeat_complainants",
        "rpt_remedy_delivery",
        "rpt_area_rates",
        "rpt_equalities_profile",
        "rpt_tsm_complaints",  # tsm_homes_owned is not set: not a landlord
    ):
        assert small_run.query(f"select count(*) from report.{model}") == [(0,)], model
    # Complaints per resident need no optional field (the population var or seed).
    assert small_run.query(
        "select count(*) from report.rpt_complaints_per_activity where stage1_complaints > 0"
    ) != [(0,)]


def test_the_equalities_threshold_cannot_be_turned_off(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("no_suppression")
    shutil.copytree(FIXTURES / "delivery_extra", root / "drop")
    run = run_nightly(root, root / "drop", dbt_vars={"equalities_suppress_below": 0})
    assert run.state.is_failed()
    assert "equalities_suppress_below is 0" in str(run.state.message) + str(
        run.state.result(raise_on_failure=False)
    )


def test_the_html_report_shows_the_measures_or_why_not(extra_run: Run, small_run: Run) -> None:
    page = (extra_run.reports_dir / "annual_report_2023-24.html").read_text("utf-8")
    beyond = page[page.index("Beyond the published report") :]
    for title in (
        "Complaints not accepted",
        "Repeat complainants and reopened cases",
        "Agreed remedies delivered",
        "Complaints per unit of service activity",
        "Complaints per 10,000 residents by area",
        "Equalities profile of complainants",
        "Tenant satisfaction measures CH01 and CH02",
    ):
        assert title in beyond, title
    assert "Service request" in beyond and "75.0%" in beyond  # refused share; CH02 stage 1
    small = next(small_run.reports_dir.glob("annual_report_*.html")).read_text("utf-8")
    assert "this table needs the complainant_profile file" in small
    assert "this table needs the tsm_homes_owned setting" in small
