"""Every report mart, built by the nightly flow on tests/fixtures/delivery_small, against rows
worked out by hand from the fixture (not computed by the code under test).

The fixture's cases, latest versions (wd = working days, England and Wales bank holidays):

  2022/23  A1 GET s1 upheld, on time; A2 ASCH s1 not upheld, 30 wd, late (Workload, 10 wd
           late); A5 GET s1 upheld, 21 wd, late (Workload, 1 wd late); A3 GET comment (open);
           A4 ASCH compliment; C6 GET enquiry
  2023/24  B1 GET s1 partly upheld; B2 GET s1 not upheld; B3 GET s1 resolved upon receipt;
           B4 CYPE s1 Children Act not upheld (service recorded as "Education Services");
           B5 ASCH s1 upheld, late (Complex case, 8 wd late); B6 GET s1 withdrawn;
           B8 CED s1 open (recorded under "Strategic and Corporate Services");
           B9 GET s1 received 28/03/2024, not upheld 03/04/2024 (2024/25);
           B7 GET s2 of B1, upheld (stage 1 already partly upheld);
           C1 GET s2 of B2, upheld (stage 1 overturned);
           C2 CED s2, no stage 1 (bypassed), received on Boxing Day, partly upheld, 25 wd,
              late (Workload, 5 wd late);
           C3 GET s2 of A1, not upheld;
           B10, B11 comments; B12 compliment; C4 informal concern; C5 member enquiry;
           C7 enquiry; C8 SEN enquiry; C9 representation
  Payments: P3 A2 £100 Goodwill 2022/23; P2 B1 £75 Goodwill, P1 B5 £1,250.50 Distress and
  uncertainty following the LGSCO, P4 C2 £30.25 Time and trouble in 2023/24.
  Ombudsman log: GET decision 20/01/2023; CYPE 15/09/2023; ASCH (B5) 10/02/2024.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support import Run

pytestmark = pytest.mark.e2e

GET = "Growth, Environment and Transport"
ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
CED = "Chief Executive and Deputy Chief Executive Departments"
Y1, Y2, Y3 = "2022/23", "2023/24", "2024/25"


def rows(run: Run, sql: str) -> list[tuple]:
    return run.query(sql)


def test_t3_stage2_received_by_directorate(small_run: Run) -> None:
    assert rows(
        small_run, "select * from report.rpt_stage2_received_by_directorate order by all"
    ) == [
        (Y1, CED, 0, None, None, None),
        (Y1, GET, 0, None, None, None),
        (Y1, "Total", 0, None, None, None),
        (Y2, CED, 1, 0, 1, None),  # C2
        (Y2, GET, 3, 0, 3, None),  # B7, C1, C3
        (Y2, "Total", 4, 0, 4, None),
        (Y3, CED, 0, 1, -1, -1.0),
        (Y3, GET, 0, 3, -3, -1.0),
        (Y3, "Total", 0, 4, -4, -1.0),
    ]


def test_t4_closed_by_directorate_and_type(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, directorate, feedback_type, cases_closed,"
        " previous_year_cases_closed, difference, round(pct_difference, 4)"
        " from report.rpt_closed_by_directorate_type"
        " where cases_closed > 0 or (directorate = 'Total' and feedback_type = 'Total')"
        " order by all",
    )
    assert got == [
        (Y1, ASCH, "Total", 2, None, None, None),
        (Y1, ASCH, "complaint", 1, None, None, None),  # A2
        (Y1, ASCH, "compliment", 1, None, None, None),  # A4
        (Y1, GET, "Total", 2, None, None, None),
        (Y1, GET, "complaint", 2, None, None, None),  # A1, A5 (A3 comment still open)
        (Y1, "Total", "Total", 4, None, None, None),
        (Y1, "Total", "complaint", 3, None, None, None),
        (Y1, "Total", "compliment", 1, None, None, None),
        (Y2, ASCH, "Total", 2, 2, 0, 0.0),
        (Y2, ASCH, "comment", 1, 0, 1, None),  # B11
        (Y2, ASCH, "complaint", 1, 1, 0, 0.0),  # B5
        (Y2, CYPE, "Total", 1, 0, 1, None),
        (Y2, CYPE, "complaint", 1, 0, 1, None),  # B4
        (Y2, GET, "Total", 5, 2, 3, 1.5),
        (Y2, GET, "complaint", 4, 2, 2, 1.0),  # B1, B2, B3, B6 (withdrawn counts as closed)
        (Y2, GET, "compliment", 1, 0, 1, None),  # B12
        (Y2, "Total", "Total", 8, 4, 4, 1.0),
        (Y2, "Total", "comment", 1, 0, 1, None),
        (Y2, "Total", "complaint", 6, 3, 3, 1.0),
        (Y2, "Total", "compliment", 1, 1, 0, 0.0),
        (Y3, GET, "Total", 1, 5, -4, -0.8),
        (Y3, GET, "complaint", 1, 4, -3, -0.75),  # B9, received in 2023/24
        (Y3, "Total", "Total", 1, 8, -7, -0.875),
        (Y3, "Total", "complaint", 1, 6, -5, -0.8333),
    ]


def _outcomes(run: Run, model: str) -> list[tuple]:
    return rows(
        run,
        f"select financial_year, outcome, complaints_closed, round(share_of_closed, 4)"
        f" from report.{model} order by all",
    )


def test_t5_stage1_outcomes(small_run: Run) -> None:
    assert _outcomes(small_run, "rpt_stage1_outcomes") == [
        (Y1, "not_upheld", 1, 0.3333),
        (Y1, "partly_upheld", 0, 0.0),
        (Y1, "resolved_upon_receipt", 0, 0.0),
        (Y1, "upheld", 2, 0.6667),
        (Y1, "withdrawn", 0, 0.0),
        # B2, B4 not upheld; B1 partly; B3 resolved; B5 upheld; B6 withdrawn: 6 closed
        (Y2, "not_upheld", 2, 0.3333),
        (Y2, "partly_upheld", 1, 0.1667),
        (Y2, "resolved_upon_receipt", 1, 0.1667),
        (Y2, "upheld", 1, 0.1667),
        (Y2, "withdrawn", 1, 0.1667),
        (Y3, "not_upheld", 1, 1.0),
        (Y3, "partly_upheld", 0, 0.0),
        (Y3, "resolved_upon_receipt", 0, 0.0),
        (Y3, "upheld", 0, 0.0),
        (Y3, "withdrawn", 0, 0.0),
    ]


def test_t6_stage2_outcomes(small_run: Run) -> None:
    got = _outcomes(small_run, "rpt_stage2_outcomes")
    assert [r for r in got if r[0] == Y2] == [
        (Y2, "not_upheld", 1, 0.25),  # C3
        (Y2, "partly_upheld", 1, 0.25),  # C2
        (Y2, "resolved_upon_receipt", 0, 0.0),
        (Y2, "upheld", 2, 0.5),  # B7, C1
        (Y2, "withdrawn", 0, 0.0),
    ]
    # No stage 2 closed: counts 0 and no share (nothing to divide by).
    assert {(r[2], r[3]) for r in got if r[0] != Y2} == {(0, None)}


def test_321_stage2_escalation_analysis(small_run: Run) -> None:
    assert rows(small_run, "select * from report.rpt_stage2_escalation_analysis order by 1") == [
        (Y1, 0, 0, 0, 0, 0),
        # B7 (stage 1 B1 partly upheld), C1 (B2 not upheld: overturned), C2 (no stage 1);
        # C3 was not upheld at stage 2.
        (Y2, 4, 3, 1, 1, 1),
        (Y3, 0, 0, 0, 0, 0),
    ]


def test_t7_other_feedback_volumes(small_run: Run) -> None:
    got = rows(small_run, "select * from report.rpt_other_feedback_volumes order by all")
    assert got == [
        (Y1, "enquiry", 1, None, None, None),  # C6
        (Y1, "informal_concern", 0, None, None, None),
        (Y1, "member_enquiry", 0, None, None, None),
        (Y1, "representation", 0, None, None, None),
        (Y1, "sen_enquiry", 0, None, None, None),
        (Y2, "enquiry", 1, 1, 0, 0.0),  # C7
        (Y2, "informal_concern", 1, 0, 1, None),  # C4
        (Y2, "member_enquiry", 1, 0, 1, None),  # C5
        (Y2, "representation", 1, 0, 1, None),  # C9
        (Y2, "sen_enquiry", 1, 0, 1, None),  # C8
        (Y3, "enquiry", 0, 1, -1, -1.0),
        (Y3, "informal_concern", 0, 1, -1, -1.0),
        (Y3, "member_enquiry", 0, 1, -1, -1.0),
        (Y3, "representation", 0, 1, -1, -1.0),
        (Y3, "sen_enquiry", 0, 1, -1, -1.0),
    ]


def test_t8_complaint_reasons(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, reason, reasons_recorded, round(share, 4)"
        " from report.rpt_complaint_reasons where financial_year <> '2024/25' order by all",
    )
    assert got == [
        # A1 has a case_reasons row (QoS); A2 and A5 have none: their primary reasons count.
        (Y1, "Communications", 1, 0.3333),
        (Y1, "Policy and procedure", 0, 0.0),
        (Y1, "Quality of service", 1, 0.3333),
        (Y1, "Service not provided", 1, 0.3333),
        (Y1, "Staff conduct", 0, 0.0),
        (Y1, "Total", 3, 1.0),
        # B1 has two reason rows (QoS, Communications), B2 one (Policy); B3, B6, B9 QoS,
        # B4 Policy, B5 Communications, B8 Staff conduct by primary reason. C1 is stage 2.
        (Y2, "Communications", 2, 0.2222),
        (Y2, "Policy and procedure", 2, 0.2222),
        (Y2, "Quality of service", 4, 0.4444),
        (Y2, "Service not provided", 0, 0.0),
        (Y2, "Staff conduct", 1, 0.1111),
        (Y2, "Total", 9, 1.0),
    ]


def test_t9_upheld_reasons_by_directorate(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, reason, directorate, upheld_complaints, round(share_of_total, 4)"
        " from report.rpt_upheld_reasons_by_directorate where upheld_complaints > 0 order by all",
    )
    assert got == [
        (Y1, "Quality of service", GET, 1, 0.5),  # A1
        (Y1, "Quality of service", "Total", 1, 0.5),
        (Y1, "Service not provided", GET, 1, 0.5),  # A5
        (Y1, "Service not provided", "Total", 1, 0.5),
        (Y1, "Total", GET, 2, 1.0),
        (Y1, "Total", "Total", 2, 1.0),
        (Y2, "Communications", ASCH, 1, 0.3333),  # B5 (stage 1)
        (Y2, "Communications", "Total", 1, 0.3333),
        (Y2, "Policy and procedure", GET, 1, 0.3333),  # C1 (stage 2)
        (Y2, "Policy and procedure", "Total", 1, 0.3333),
        (Y2, "Quality of service", GET, 1, 0.3333),  # B7 (stage 2); B1 was only partly
        (Y2, "Quality of service", "Total", 1, 0.3333),
        (Y2, "Total", ASCH, 1, 0.3333),
        (Y2, "Total", GET, 2, 0.6667),
        (Y2, "Total", "Total", 3, 1.0),
    ]
    # 3 years x (4 reasons + Total) x (2 directorates + Total), zeros included
    assert rows(small_run, "select count(*) from report.rpt_upheld_reasons_by_directorate") == [
        (45,)
    ]


def test_t11_delay_reasons(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, delay_reason, late_complaints, round(share_of_closed, 4), rank"
        " from report.rpt_delay_reasons order by all",
    )
    assert got == [
        (Y1, "Workload", 2, 0.6667, 1),  # A2, A5 of 3 closed
        (Y2, "Complex case", 1, 0.1, 1),  # B5 of 10 closed at stages 1 and 2
        (Y2, "Workload", 1, 0.1, 1),  # C2
    ]


def test_t12_delay_reasons_by_directorate(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, directorate, delay_reason, late_complaints,"
        " round(share_of_closed, 4), rank from report.rpt_delay_reasons_by_directorate"
        " order by all",
    )
    assert got == [
        (Y1, ASCH, "Workload", 1, 1.0, 1),
        (Y1, GET, "Workload", 1, 0.5, 1),
        (Y2, ASCH, "Complex case", 1, 1.0, 1),
        (Y2, CED, "Workload", 1, 1.0, 1),
    ]


def test_t13_channels(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, channel, received, round(share, 4), is_digital,"
        " round(digital_share, 4) from report.rpt_channels where received > 0 order by all",
    )
    assert got == [
        (Y1, "Total", 5, 1.0, False, 0.6),
        (Y1, "email", 1, 0.2, True, 0.6),
        (Y1, "letter", 1, 0.2, False, 0.6),
        (Y1, "online_form", 2, 0.4, True, 0.6),
        (Y1, "phone", 1, 0.2, False, 0.6),
        (Y2, "Total", 16, 1.0, False, 0.5625),
        (Y2, "email", 7, 0.4375, True, 0.5625),
        (Y2, "letter", 2, 0.125, False, 0.5625),
        (Y2, "online_form", 2, 0.125, True, 0.5625),
        (Y2, "phone", 4, 0.25, False, 0.5625),
        (Y2, "web_survey", 1, 0.0625, False, 0.5625),
    ]


def test_61_compensation_by_directorate(small_run: Run) -> None:
    got = rows(small_run, "select * from report.rpt_compensation_by_directorate order by all")
    d = Decimal
    assert got == [
        (Y1, ASCH, d("100.00"), d("0.00"), None, None),
        (Y1, CED, d("0.00"), d("0.00"), None, None),
        (Y1, GET, d("0.00"), d("0.00"), None, None),
        (Y1, "Total", d("100.00"), d("0.00"), None, None),
        (Y2, ASCH, d("1250.50"), d("1250.50"), d("100.00"), d("1150.50")),
        (Y2, CED, d("30.25"), d("0.00"), d("0.00"), d("30.25")),
        (Y2, GET, d("75.00"), d("0.00"), d("0.00"), d("75.00")),
        (Y2, "Total", d("1355.75"), d("1250.50"), d("100.00"), d("1255.75")),
        (Y3, ASCH, d("0.00"), d("0.00"), d("1250.50"), d("-1250.50")),
        (Y3, CED, d("0.00"), d("0.00"), d("30.25"), d("-30.25")),
        (Y3, GET, d("0.00"), d("0.00"), d("75.00"), d("-75.00")),
        (Y3, "Total", d("0.00"), d("0.00"), d("1355.75"), d("-1355.75")),
    ]


def test_t14_compensation_reasons(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, payment_reason, payments, amount_gbp,"
        " round(share_of_payments, 4) from report.rpt_compensation_reasons order by all",
    )
    assert got == [
        (Y1, "Goodwill", 1, Decimal("100.00"), 1.0),
        (Y1, "Total", 1, Decimal("100.00"), 1.0),
        (Y2, "Distress and uncertainty", 1, Decimal("1250.50"), 0.3333),
        (Y2, "Goodwill", 1, Decimal("75.00"), 0.3333),
        (Y2, "Time and trouble", 1, Decimal("30.25"), 0.3333),
        (Y2, "Total", 3, Decimal("1355.75"), 1.0),
    ]


def test_t15_member_conduct_complaints(small_run: Run) -> None:
    got = rows(small_run, "select * from report.rpt_member_conduct_complaints order by all")
    assert [r for r in got if r[2] > 0] == [
        (Y1, "no_action", 1),
        (Y2, "action_taken_by_party", 1),
        (Y2, "dismissed", 1),
    ]
    assert len(got) == 3 * 6  # every contract outcome in every year


def test_t22_remedy_actions(small_run: Run) -> None:
    # B6's action is on a withdrawn case: not a response, not counted.
    assert rows(small_run, "select * from report.rpt_remedy_actions order by all") == [
        (Y1, 1, "Explanation", 1),  # A1
        (Y2, 1, "Explanation", 1),  # B1
        (Y2, 1, "Financial remedy", 1),  # B5
        (Y2, 1, "Formal apology", 2),  # B1, B5
        (Y2, 2, "Formal apology", 1),  # C1
    ]


def test_appendix_a_directorate_summary(small_run: Run) -> None:
    got = rows(small_run, "select * from report.rpt_directorate_feedback_summary order by all")
    assert got == [
        (Y1, ASCH, 1, 0, 1, 0),
        (Y1, CED, 0, 0, 0, 0),
        (Y1, CYPE, 0, 0, 0, 0),
        (Y1, GET, 2, 1, 0, 1),  # LGSCO decision 20/01/2023
        (Y2, ASCH, 1, 1, 0, 1),  # B5's LGSCO decision 10/02/2024
        (Y2, CED, 1, 0, 0, 0),
        (Y2, CYPE, 1, 0, 0, 1),  # logged under the old service name "Education Services"
        (Y2, GET, 5, 1, 1, 0),
        (Y3, ASCH, 0, 0, 0, 0),
        (Y3, CED, 0, 0, 0, 0),
        (Y3, CYPE, 0, 0, 0, 0),
        (Y3, GET, 0, 0, 0, 0),
    ]


def test_appendix_a_complaints_by_service(small_run: Run) -> None:
    got = rows(
        small_run,
        "select * from report.rpt_complaints_by_service where financial_year <> '2024/25'"
        " order by all",
    )
    assert got == [
        (Y1, ASCH, ASCH, 1),
        (Y1, ASCH, "Total", 1),
        (Y1, CED, "Finance", 0),
        (Y1, CED, "Total", 0),
        (Y1, CYPE, "Education", 0),
        (Y1, CYPE, "Total", 0),
        (Y1, GET, "Highways and Transportation", 2),
        (Y1, GET, "Total", 2),
        (Y1, GET, "Waste", None),  # the service starts in 2023/24: n/a
        (Y2, ASCH, ASCH, 1),
        (Y2, ASCH, "Total", 1),
        (Y2, CED, "Finance", 1),
        (Y2, CED, "Total", 1),
        (Y2, CYPE, "Education", 1),  # B4, recorded as "Education Services"
        (Y2, CYPE, "Total", 1),
        (Y2, GET, "Highways and Transportation", 4),  # B1 ("Highways & ..."), B2, B6, B9
        (Y2, GET, "Total", 5),
        (Y2, GET, "Waste", 1),
    ]


def test_backlog(small_run: Run) -> None:
    d = dt.date
    assert rows(small_run, "select * from report.rpt_backlog order by all") == [
        (d(2022, 6, 30), ASCH, 1, "11-20", 1, 0),  # A2: 19 wd
        (d(2023, 4, 30), GET, 1, "11-20", 1, 0),  # B1: 14 wd
        (d(2023, 5, 31), GET, 2, "11-20", 1, 0),  # B7: 14 wd
        (d(2023, 6, 30), GET, 2, "11-20", 1, 0),  # C3: 14 wd
        (d(2023, 8, 31), ASCH, 1, "21-40", 1, 0),  # B5: 21 wd
        (d(2023, 9, 30), ASCH, 1, "41-65", 1, 0),  # B5: 42 wd
        (d(2023, 10, 31), ASCH, 1, "41-65", 1, 0),  # B5: 64 wd, due that day
        (d(2023, 10, 31), CED, 1, "21-40", 1, 1),  # B8: 21 wd, due 30/10
        (d(2023, 11, 30), CED, 1, "41-65", 1, 1),
        (d(2023, 12, 31), CED, 1, "41-65", 1, 1),  # B8: 62 wd
        (d(2023, 12, 31), CED, 2, "0-10", 1, 0),  # C2: 3 wd after Christmas
        (d(2023, 12, 31), GET, 1, "0-10", 1, 0),  # B2: 3 wd
        (d(2024, 1, 31), CED, 1, ">65", 1, 1),  # C2 closed on the month end: not open
        (d(2024, 2, 29), CED, 1, ">65", 1, 1),
        (d(2024, 3, 31), CED, 1, ">65", 1, 1),
        (d(2024, 3, 31), GET, 1, "0-10", 1, 0),  # B9: 0 wd (Good Friday)
        (d(2024, 4, 30), CED, 1, ">65", 1, 1),
    ]


def test_code_self_assessment(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, stage, measure, cases, met, round(pct_met, 4)"
        " from report.rpt_code_self_assessment order by all",
    )
    assert got == [
        # A1, A2, A5 (corporate): acknowledged in 1-3 wd; answered 12, 27, 19 wd after
        # acknowledgement (> 10).
        (Y1, 1, "acknowledged_within_code", 3, 3, 1.0),
        (Y1, 1, "responded_within_code", 3, 0, 0.0),
        (Y1, 1, "responded_within_council_timescale", 3, 1, 0.3333),
        # Corporate stage 1: B1 (17 wd after acknowledgement), B2 (16), B3 (0).
        (Y2, 1, "acknowledged_within_code", 3, 3, 1.0),
        (Y2, 1, "responded_within_code", 3, 1, 0.3333),
        (Y2, 1, "responded_within_council_timescale", 5, 4, 0.8),  # B5 late
        (Y2, 1, "responded_within_statutory_timescale", 1, 1, 1.0),  # B4: 18 wd, extended
        # Stage 2: B7 17, C1 12, C2 21 (> 20), C3 18 wd after acknowledgement.
        (Y2, 2, "acknowledged_within_code", 4, 4, 1.0),
        (Y2, 2, "responded_within_code", 4, 3, 0.75),
        (Y2, 2, "responded_within_council_timescale", 4, 3, 0.75),
        (Y3, 1, "acknowledged_within_code", 1, 1, 1.0),
        (Y3, 1, "responded_within_code", 1, 1, 1.0),
        (Y3, 1, "responded_within_council_timescale", 1, 1, 1.0),
    ]


def test_escalation_rates(small_run: Run) -> None:
    got = rows(
        small_run,
        "select financial_year, directorate, stage1_closed, escalated_to_stage2,"
        " round(stage2_rate, 4), stage2_closed, lgsco_cases, round(lgsco_rate, 4),"
        " round(lgsco_per_100_stage1, 4) from report.rpt_escalation_rates order by all",
    )
    assert got == [
        (Y1, ASCH, 1, 0, 0.0, 0, 0, None, 0.0),
        (Y1, GET, 2, 1, 0.5, 0, 1, None, 50.0),  # A1 went on to stage 2 (C3)
        (Y1, "Total", 3, 1, 0.3333, 0, 1, None, 33.3333),
        (Y2, ASCH, 1, 0, 0.0, 0, 1, None, 100.0),
        (Y2, CED, 0, 0, None, 1, 0, 0.0, None),
        (Y2, CYPE, 1, 0, 0.0, 0, 1, None, 100.0),
        (Y2, GET, 4, 2, 0.5, 3, 0, 0.0, 0.0),  # B1 -> B7, B2 -> C1
        (Y2, "Total", 6, 2, 0.3333, 4, 2, 0.5, 33.3333),
        (Y3, GET, 1, 0, 0.0, 0, 0, None, 0.0),
        (Y3, "Total", 1, 0, 0.0, 0, 0, None, 0.0),
    ]


def test_monthly_trend(small_run: Run) -> None:
    got = rows(
        small_run,
        "select month, directorate, feedback_type, received, closed, on_time, open_at_month_end"
        " from report.rpt_monthly_trend where (month, directorate, feedback_type) in ("
        f" ('2022-05-01', '{CED}', 'complaint'), ('2023-05-01', '{GET}', 'complaint'),"
        f" ('2023-08-01', '{ASCH}', 'member_enquiry'), ('2023-12-01', '{GET}', 'complaint'),"
        f" ('2024-01-01', '{CED}', 'complaint')) order by all",
    )
    d = dt.date
    assert got == [
        (d(2022, 5, 1), CED, "complaint", 0, 0, 0, 0),
        (d(2023, 5, 1), GET, "complaint", 1, 1, 1, 1),  # B7 in; B1 answered; B7 open
        (d(2023, 8, 1), ASCH, "member_enquiry", 1, 1, 0, 0),  # C5
        (d(2023, 12, 1), GET, "complaint", 1, 0, 0, 1),  # B2
        (d(2024, 1, 1), CED, "complaint", 0, 1, 0, 1),  # C2 answered late; B8 open
    ]
    # 24 months (May 2022 - April 2024) x 13 directorate/type pairs; every case received
    # once; 20 closed; 9 responses on time.
    assert rows(
        small_run,
        "select count(*), sum(received), sum(closed), sum(on_time) from report.rpt_monthly_trend",
    ) == [(312, 26, 20, 9)]


def test_lateness(small_run: Run) -> None:
    assert rows(small_run, "select * from report.rpt_lateness order by all") == [
        (Y1, ASCH, "6-10", 1),  # A2: 10 wd late
        (Y1, GET, "1-5", 1),  # A5: 1 wd late
        (Y1, "Total", "1-5", 1),
        (Y1, "Total", "6-10", 1),
        (Y2, ASCH, "6-10", 1),  # B5: 8 wd late
        (Y2, CED, "1-5", 1),  # C2: 5 wd late
        (Y2, "Total", "1-5", 1),
        (Y2, "Total", "6-10", 1),
    ]


def test_absent_optional_files_give_empty_marts_and_a_note(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from support import SMALL_DELIVERY, run_nightly

    root = tmp_path_factory.mktemp("cases_only")
    drop = root / "drop"
    drop.mkdir()
    (drop / "cases.csv").write_bytes((SMALL_DELIVERY / "cases.csv").read_bytes())
    run = run_nightly(root, drop)
    assert run.state.is_completed(), run.state.message
    assert run.summary["absent_optional_entities"] == [
        "case_reasons",
        "case_actions",
        "case_payments",
        "ombudsman_cases",
        "member_conduct_complaints",
        "complainant_profile",
    ]
    for model in (
        "rpt_compensation_by_directorate",
        "rpt_compensation_reasons",
        "rpt_remedy_actions",
        "rpt_member_conduct_complaints",
        "rpt_delay_reasons",  # still built from cases: not empty
    ):
        count = rows(run, f"select count(*) from report.{model}")[0][0]
        assert (count > 0) == (model == "rpt_delay_reasons"), model
    # Without case_reasons every stage 1 complaint counts its primary reason once:
    # B1, B3, B6, B9 QoS; B2, B4 Policy; B5 Communications; B8 Staff conduct.
    got = rows(
        run,
        "select reason, reasons_recorded from report.rpt_complaint_reasons"
        " where financial_year = '2023/24' and reasons_recorded > 0 order by all",
    )
    assert got == [
        ("Communications", 1),
        ("Policy and procedure", 2),
        ("Quality of service", 4),
        ("Staff conduct", 1),
        ("Total", 8),
    ]


def test_contract_not_null_constraints_hold_in_the_published_warehouse(
    small_run: Run, tmp_path
) -> None:
    """The marts' not-null rules are contract constraints (checked by the database as each
    mart is built, not by a separate dbt test per column): every column the YAML declares
    not null is NOT NULL in the warehouse BI reads, and a NULL written there is refused."""
    import duckdb
    import yaml

    from flows.settings import PROJECT_DIR

    spec = yaml.safe_load((PROJECT_DIR / "models/marts/report/_report__models.yml").read_text())
    declared = {
        (model["name"], column["name"])
        for model in spec["models"]
        for column in model.get("columns", [])
        if {"type": "not_null"} in (column.get("constraints") or [])
    }
    assert len(declared) > 100
    not_nullable = set(
        small_run.query(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'report' and is_nullable = 'NO'"
        )
    )
    assert declared - not_nullable == set()
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(small_run.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into report.rpt_feedback_overview (financial_year, measure, value)"
            " values ('2023/24', 'comments', null)"
        )


def test_contract_check_constraints_hold_in_the_published_warehouse(
    small_run: Run, tmp_path
) -> None:
    """Shares (0..1) and the values a label column may take are CHECK constraints of the
    marts' contracts: each is in the warehouse BI reads, and a value breaking one is refused."""
    import duckdb
    import yaml

    from flows.settings import PROJECT_DIR

    spec = yaml.safe_load((PROJECT_DIR / "models/marts/report/_report__models.yml").read_text())
    declared = {
        (model["name"], column["name"])
        for model in spec["models"]
        for column in model.get("columns", [])
        for constraint in column.get("constraints") or []
        if constraint["type"] == "check"
    }
    assert len(declared) > 50
    present = {
        (table, columns[0])
        for table, columns in small_run.query(
            "select table_name, constraint_column_names from duckdb_constraints()"
            " where schema_name = 'report' and constraint_type = 'CHECK'"
        )
    }
    assert declared - present == set()
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(small_run.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        with pytest.raises(duckdb.ConstraintException, match="CHECK"):
            con.execute(
                "insert into report.rpt_feedback_overview (financial_year, measure, value)"
                " values ('2023/24', 'complaints of every kind', 1)"
            )
        with pytest.raises(duckdb.ConstraintException, match="CHECK"):
            con.execute("update report.rpt_timeliness set pct_on_time = 1.5")
