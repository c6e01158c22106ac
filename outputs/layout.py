"""Which marts make which tables and charts of the annual report, in the printed order.

`build_sections(exact, public, year, threshold)` takes the report marts twice: `public` as
they may be shown (suppressed when the report leaves the council) for every table, and `exact`
for the few council-wide chart series that are sums across directorates (the marts keep no
`Total` row for months); such a sum below the suppression threshold is left out of the chart.
Secondary suppression along `directorate` already protects every cell against a total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from outputs import charts
from outputs.suppression import previous_financial_year
from outputs.tables import (
    COUNT,
    GBP,
    NUMBER,
    PCT,
    TEXT,
    DisplayTable,
    Section,
    format_cell,
    generic,
    label,
    listing,
    ordered,
    pivot,
    year_bounds,
    year_on_year,
    year_rows,
)
from outputs.tables import Column as DisplayColumn

OUTCOMES = ["not_upheld", "partly_upheld", "upheld", "resolved_upon_receipt", "withdrawn"]
AGE_BANDS = ["0-10", "11-20", "21-40", "41-65", ">65"]
LATE_BANDS = ["1-5", "6-10", "11-20", ">20"]
MEASURES = ["stage1_complaints", "comments", "compliments", "lgsco_decisions"]


@dataclass
class Marts:
    """The report marts for one rendering: public (maybe suppressed) and exact frames."""

    public: dict[str, pd.DataFrame]
    exact: dict[str, pd.DataFrame]
    year: str
    threshold: int | None

    def has(self, model: str) -> bool:
        return model in self.public

    def year_of(self, model: str, year: str | None = None) -> pd.DataFrame:
        return year_rows(self.public[model], year or self.year)


Layout = Callable[[Marts], list[DisplayTable]]


def t1(m: Marts) -> list[DisplayTable]:
    return [
        year_on_year(
            "rpt_feedback_overview",
            "Table 1: Overview of feedback received",
            "rpt_feedback_overview",
            m.public["rpt_feedback_overview"],
            m.year,
            "measure",
            "value",
            "previous_year_value",
            "difference",
            "pct_difference",
            order=MEASURES,
        )
    ]


def _received_by_directorate(model: str, title: str) -> Layout:
    def layout(m: Marts) -> list[DisplayTable]:
        return [
            year_on_year(
                model,
                title,
                model,
                m.public[model],
                m.year,
                "directorate",
                "complaints_received",
                "previous_year_received",
                "difference",
                "pct_difference",
            )
        ]

    return layout


def t4(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_closed_by_directorate_type")
    table = pivot(
        "rpt_closed_by_directorate_type",
        "Table 4: Cases closed at stage 1 by directorate and type",
        "rpt_closed_by_directorate_type",
        rows,
        ["directorate"],
        "feedback_type",
        "cases_closed",
        column_order=["comment", "complaint", "compliment"],
    )
    totals = rows[rows["feedback_type"] == "Total"]
    if len(totals):
        table.note = (
            f"{previous_financial_year(m.year)}: "
            + "; ".join(
                f"{format_cell(r.previous_year_cases_closed, COUNT)}"
                for r in totals.itertuples()
                if r.directorate == "Total"
            )
            + " cases closed in all (all types)."
        )
    return [table]


def _outcomes(model: str, title: str) -> Layout:
    def layout(m: Marts) -> list[DisplayTable]:
        frame = m.public[model]
        years = [m.year, previous_financial_year(m.year)]
        rows = frame[frame["financial_year"].isin(years)]
        outcomes = ordered(rows["outcome"].tolist(), OUTCOMES)
        body, kinds = [], []
        for year in years:
            this = rows[rows["financial_year"] == year]
            if not len(this):
                continue
            cell = {r.outcome: r for r in this.itertuples()}
            body.append(
                [year, *[getattr(cell.get(o), "complaints_closed", None) for o in outcomes]]
            )
            body.append(
                [f"{year} %", *[getattr(cell.get(o), "share_of_closed", None) for o in outcomes]]
            )
            kinds += [COUNT, PCT]
        columns = [DisplayColumn("", TEXT), *[DisplayColumn(label(o)) for o in outcomes]]
        return [DisplayTable(model, title, model, columns, body, row_kinds=kinds)]

    return layout


def s321(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_stage2_escalation_analysis")
    if not len(rows):
        return [_empty("rpt_stage2_escalation_analysis", "3.21: Stage 2 escalation analysis")]
    row = rows.iloc[0]
    items = [
        ("Stage 2 complaints closed", row["stage2_closed"]),
        ("Upheld or partly upheld at stage 2", row["stage2_upheld_or_partly"]),
        ("of which already upheld or partly upheld at stage 1", row["already_upheld_at_stage1"]),
        ("Stage 1 decisions overturned", row["stage1_overturned"]),
        ("Stage 2 complaints with no stage 1 (bypassed)", row["bypassed_stage1"]),
    ]
    return [
        DisplayTable(
            "rpt_stage2_escalation_analysis",
            "3.21: Stage 2 escalation analysis",
            "rpt_stage2_escalation_analysis",
            [DisplayColumn("", TEXT), DisplayColumn(m.year)],
            [list(item) for item in items],
        )
    ]


def t7(m: Marts) -> list[DisplayTable]:
    return [
        year_on_year(
            "rpt_other_feedback_volumes",
            "Table 7: Other feedback received",
            "rpt_other_feedback_volumes",
            m.public["rpt_other_feedback_volumes"],
            m.year,
            "feedback_type",
            "received",
            "previous_year_received",
            "difference",
            "pct_difference",
        )
    ]


def t8(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_complaint_reasons",
            "Table 8: Reasons for stage 1 complaints",
            "rpt_complaint_reasons",
            m.year_of("rpt_complaint_reasons"),
            [("reason", "Reason", TEXT), ("reasons_recorded", "Recorded"), ("share", "Share")],
            sort=["reason"],
            note="A complaint can have several reasons.",
        )
    ]


def t9(m: Marts) -> list[DisplayTable]:
    return [
        pivot(
            "rpt_upheld_reasons_by_directorate",
            "Table 9: Upheld complaints by reason and directorate",
            "rpt_upheld_reasons_by_directorate",
            m.year_of("rpt_upheld_reasons_by_directorate"),
            ["reason"],
            "directorate",
            "upheld_complaints",
        )
    ]


def timeliness(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_timeliness")
    rows = rows[rows["procedure"] == "all"]
    return [
        listing(
            "rpt_timeliness",
            "4.1: Complaints responded to within timescale",
            "rpt_timeliness",
            rows,
            [
                ("directorate", "Directorate", TEXT),
                ("stage", "Stage", TEXT),
                ("closed", "Closed"),
                ("on_time", "On time"),
                ("pct_on_time", "% on time"),
                ("kpi_target", "Target", PCT),
                ("pct_acknowledged_on_time", "% acknowledged on time"),
                ("median_working_days", "Median working days"),
                ("p90_working_days", "90th percentile"),
            ],
            sort=["directorate", "stage"],
            note="All procedures; the mart holds each procedure (corporate, adult social care,"
            " children's, joint health) too.",
        )
    ]


def t11(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_delay_reasons")
    table = listing(
        "rpt_delay_reasons",
        "Table 11: Reasons for late responses",
        "rpt_delay_reasons",
        rows,
        [
            ("rank", "Rank", NUMBER),
            ("delay_reason", "Delay reason", TEXT),
            ("late_complaints", "Late responses"),
            ("share_of_closed", "Share of all closed"),
        ],
        sort=["rank", "delay_reason"],
    )
    chart = charts.horizontal_bars(
        [label(v) for v in rows["delay_reason"]],
        rows["late_complaints"].tolist(),
        f"Late responses by delay reason, {m.year}",
    )
    table.charts = [chart] if chart else []
    return [table]


def t12(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_delay_reasons_by_directorate")
    rows = rows[pd.to_numeric(rows["rank"], errors="coerce") <= 3]
    return [
        listing(
            "rpt_delay_reasons_by_directorate",
            "Table 12: Top three delay reasons by directorate",
            "rpt_delay_reasons_by_directorate",
            rows,
            [
                ("directorate", "Directorate", TEXT),
                ("rank", "Rank", NUMBER),
                ("delay_reason", "Delay reason", TEXT),
                ("late_complaints", "Late responses"),
                ("share_of_closed", "Share of closed"),
            ],
            sort=["directorate", "rank"],
        )
    ]


def lateness(m: Marts) -> list[DisplayTable]:
    return [
        pivot(
            "rpt_lateness",
            "How late late responses were (working days over the deadline)",
            "rpt_lateness",
            m.year_of("rpt_lateness"),
            ["directorate"],
            "days_late_band",
            "late_complaints",
            column_order=LATE_BANDS,
        )
    ]


def code_self_assessment(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_code_self_assessment",
            "Complaint Handling Code self-assessment",
            "rpt_code_self_assessment",
            m.year_of("rpt_code_self_assessment"),
            [
                ("stage", "Stage", TEXT),
                ("measure", "Measure", TEXT),
                ("cases", "Cases"),
                ("met", "Met"),
                ("pct_met", "% met"),
            ],
            sort=["stage", "measure"],
        )
    ]


def t13(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_channels")
    digital = rows["digital_share"].dropna()
    table = listing(
        "rpt_channels",
        "Table 13: How feedback was received",
        "rpt_channels",
        rows,
        [
            ("channel", "Channel", TEXT),
            ("received", "Received"),
            ("share", "Share"),
            ("is_digital", "Digital", TEXT),
        ],
        sort=["channel"],
        note=(
            f"Digital share (email and online form): {digital.iloc[0]:.1%}." if len(digital) else ""
        ),
    )
    chart = charts.horizontal_bars(
        [label(v) for v in rows["channel"]],
        rows["received"].tolist(),
        f"Feedback received by channel, {m.year}",
    )
    table.charts = [chart] if chart else []
    return [table]


def s61(m: Marts) -> list[DisplayTable]:
    table = year_on_year(
        "rpt_compensation_by_directorate",
        "6.1: Compensation paid or waived by directorate",
        "rpt_compensation_by_directorate",
        m.public["rpt_compensation_by_directorate"],
        m.year,
        "directorate",
        "amount_gbp",
        "previous_year_amount_gbp",
        "difference_gbp",
        None,
        kind=GBP,
    )
    rows = m.year_of("rpt_compensation_by_directorate")
    members = [c.header for c in table.columns[1:]]
    by_label = {label(r.directorate): r.following_lgsco_gbp for r in rows.itertuples()}
    table.rows.insert(
        1, ["of which following LGSCO decisions", *[by_label.get(h) for h in members]]
    )
    table.row_kinds = [GBP, GBP, GBP, GBP]
    return [table]


def t14(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_compensation_reasons")
    table = listing(
        "rpt_compensation_reasons",
        "Table 14: Compensation by reason",
        "rpt_compensation_reasons",
        rows,
        [
            ("payment_reason", "Reason", TEXT),
            ("payments", "Payments"),
            ("amount_gbp", "Amount"),
            ("share_of_payments", "Share of payments"),
        ],
        sort=["payment_reason"],
    )
    chart = charts.horizontal_bars(
        [label(v) for v in rows["payment_reason"]],
        rows["amount_gbp"].tolist(),
        f"Compensation by reason, {m.year}",
        money=True,
    )
    table.charts = [chart] if chart else []
    return [table]


def t15(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_member_conduct_complaints",
            "Table 15: Member code of conduct complaints",
            "rpt_member_conduct_complaints",
            m.year_of("rpt_member_conduct_complaints"),
            [("outcome", "Outcome", TEXT), ("complaints", "Complaints")],
            sort=["outcome"],
        )
    ]


def t22(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_remedy_actions",
            "Table 22: Actions taken following complaints",
            "rpt_remedy_actions",
            m.year_of("rpt_remedy_actions"),
            [("stage", "Stage", TEXT), ("action", "Action", TEXT), ("complaints", "Complaints")],
            sort=["stage", "action"],
        )
    ]


def t16(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_lgsco_received_by_category",
            "Table 16: Complaints and enquiries the LGSCO received about the council",
            "rpt_lgsco_received_by_category",
            m.year_of("rpt_lgsco_received_by_category"),
            [("lgsco_category", "Category", TEXT), ("complaints_received", "Received")],
            sort=["lgsco_category"],
        )
    ]


def t17(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_lgsco_decisions")
    rate = rows["uphold_rate"].dropna()
    return [
        listing(
            "rpt_lgsco_decisions",
            "Table 17: Decisions the LGSCO made about the council",
            "rpt_lgsco_decisions",
            rows,
            [("decision_category", "Decision", TEXT), ("decisions", "Decisions")],
            sort=["decision_category"],
            note=(f"Uphold rate: {rate.iloc[0]:.0%}." if len(rate) else ""),
        )
    ]


def t18_21(m: Marts) -> list[DisplayTable]:
    return [
        pivot(
            "rpt_lgsco_outcomes_by_service",
            "Tables 18-21: LGSCO cases decided in the year by service (the council's log)",
            "rpt_lgsco_outcomes_by_service",
            m.year_of("rpt_lgsco_outcomes_by_service"),
            ["directorate", "service"],
            "council_outcome",
            "cases",
            column_order=["upheld", "not_upheld", "closed", "premature"],
        )
    ]


def benchmark(m: Marts) -> list[DisplayTable]:
    rows = m.year_of("rpt_lgsco_benchmark")
    council = rows[rows["is_this_council"].astype(bool)]
    if not len(council):
        return [_empty("rpt_lgsco_benchmark", "9.6-9.10: Benchmark against similar authorities")]
    this = council.iloc[0]
    items = [
        (
            "Uphold rate",
            this["uphold_rate"],
            this["similar_avg_uphold_rate"],
            this["national_avg_uphold_rate"],
        ),
        (
            "Satisfactory remedy rate",
            this["satisfactory_remedy_rate"],
            this["similar_avg_satisfactory_remedy_rate"],
            None,
        ),
        ("Compliance with recommendations", this["compliance_rate"], None, None),
    ]
    similar = rows[rows["authority_type"] == this["authority_type"]]
    table = DisplayTable(
        "rpt_lgsco_benchmark",
        "9.6-9.10: Benchmark against similar authorities",
        "rpt_lgsco_benchmark",
        [
            DisplayColumn("", TEXT),
            DisplayColumn(str(this["authority"]), PCT),
            DisplayColumn(f"{this['authority_type']} average", PCT),
            DisplayColumn("All authorities", PCT),
        ],
        [list(item) for item in items],
        note=(
            f"Upheld per 100,000 residents: {this['upheld_per_100k']}; rank"
            f" {this['rank_in_type']} of {len(similar)} {this['authority_type'].lower()}"
            " authorities by uphold rate. Source: LGSCO annual review statistics."
        ),
    )
    chart = charts.horizontal_bars(
        similar["authority"].tolist(),
        similar["uphold_rate"].tolist(),
        f"LGSCO uphold rate, {this['authority_type']} authorities, {m.year}",
        as_percent=True,
        highlight=str(this["authority"]),
        reference=("All authorities", float(this["national_avg_uphold_rate"]))
        if charts.number(this["national_avg_uphold_rate"]) is not None
        else None,
    )
    table.charts = [chart] if chart else []
    return [table]


def escalation_rates(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_escalation_rates",
            "Escalation rates by directorate",
            "rpt_escalation_rates",
            m.year_of("rpt_escalation_rates"),
            [
                ("directorate", "Directorate", TEXT),
                ("stage1_closed", "Stage 1 closed"),
                ("escalated_to_stage2", "Escalated to stage 2"),
                ("stage2_rate", "Stage 2 rate"),
                ("stage2_closed", "Stage 2 closed"),
                ("lgsco_cases", "LGSCO cases"),
                ("lgsco_rate", "LGSCO rate"),
                ("lgsco_per_100_stage1", "LGSCO per 100 stage 1"),
            ],
            sort=["directorate"],
        )
    ]


def monthly_trend(m: Marts) -> list[DisplayTable]:
    """Council-wide complaints received and closed per month, the last three years."""
    exact = m.exact["rpt_monthly_trend"]
    start = year_bounds(previous_financial_year(previous_financial_year(m.year)))[0]
    end = year_bounds(m.year)[1]
    months = pd.to_datetime(exact["month"]).dt.date
    rows = exact[(months >= start) & (months <= end) & (exact["feedback_type"] == "complaint")]
    totals = rows.groupby("month", sort=True)[["received", "closed", "open_at_month_end"]].sum()
    if m.threshold:
        totals = totals.mask(totals < m.threshold)
    x = [pd.Timestamp(month).strftime("%b %Y") for month in totals.index]
    chart = charts.lines(
        x,
        {
            "Received": totals["received"].tolist(),
            "Closed": totals["closed"].tolist(),
            "Open at month end": totals["open_at_month_end"].tolist(),
        },
        f"Complaints (all stages) per month, {x[0] if x else ''} to {x[-1] if x else ''}",
    )
    body = [
        [pd.Timestamp(month).strftime("%Y-%m"), r.received, r.closed, r.open_at_month_end]
        for month, r in totals.iterrows()
    ]
    return [
        DisplayTable(
            "rpt_monthly_trend",
            "Monthly trend: complaints received and closed",
            "rpt_monthly_trend",
            [
                DisplayColumn("Month", TEXT),
                DisplayColumn("Received"),
                DisplayColumn("Closed"),
                DisplayColumn("Open at month end"),
            ],
            body,
            note="All directorates together; the mart holds every directorate and feedback type.",
            charts=[chart] if chart else [],
        )
    ]


def backlog(m: Marts) -> list[DisplayTable]:
    """The backlog at the year's last month end (table) and at every month end (chart)."""
    public = m.year_of("rpt_backlog")
    if not len(public):
        return [_empty("rpt_backlog", "Complaints backlog")]
    last = max(public["month_end"])
    table = pivot(
        "rpt_backlog",
        f"Open complaints at {pd.Timestamp(last):%d %B %Y} by age (working days since receipt)",
        "rpt_backlog",
        public[public["month_end"] == last],
        ["directorate", "stage"],
        "age_band",
        "open_complaints",
        column_order=AGE_BANDS,
    )
    exact = year_rows(m.exact["rpt_backlog"], m.year)
    by_band = exact.groupby(["month_end", "age_band"])["open_complaints"].sum().unstack()
    if m.threshold:
        by_band = by_band.mask(by_band < m.threshold)
    bands = [b for b in AGE_BANDS if b in by_band.columns]
    chart = charts.stacked_columns(
        [pd.Timestamp(d).strftime("%b %Y") for d in by_band.index],
        {f"{b} days": by_band[b].tolist() for b in bands},
        f"Open complaints at each month end by age (working days), {m.year}",
    )
    table.charts = [chart] if chart else []
    return [table]


def appendix_directorates(m: Marts) -> list[DisplayTable]:
    frame = m.public["rpt_directorate_feedback_summary"]
    years = sorted(frame["financial_year"].unique())
    years = [y for y in years if y <= m.year][-3:]
    rows = frame[frame["financial_year"].isin(years)]
    tables = []
    for measure, title in [
        ("stage1_complaints", "Stage 1 complaints"),
        ("comments", "Comments"),
        ("compliments", "Compliments"),
        ("lgsco_cases", "LGSCO cases"),
    ]:
        tables.append(
            pivot(
                f"rpt_directorate_feedback_summary-{measure}",
                f"Appendix A: {title} received by directorate",
                "rpt_directorate_feedback_summary",
                rows,
                ["directorate"],
                "financial_year",
                measure,
                column_order=years,
            )
        )
    return tables


def appendix_services(m: Marts) -> list[DisplayTable]:
    return [
        listing(
            "rpt_complaints_by_service",
            "Appendix A: Stage 1 complaints by service",
            "rpt_complaints_by_service",
            m.year_of("rpt_complaints_by_service"),
            [
                ("directorate", "Directorate", TEXT),
                ("service", "Service", TEXT),
                ("complaints_received", "Received"),
            ],
            sort=["directorate", "service"],
        )
    ]


def _beyond(
    model: str,
    title: str,
    columns: list[tuple[str, str] | tuple[str, str, str]],
    needs: str,
    note: str = "",
) -> tuple[str, Layout]:
    """A measure beyond the published report: the year's rows, or why there are none."""

    def layout(m: Marts) -> list[DisplayTable]:
        rows = m.year_of(model)
        if rows.empty:
            note_empty = (
                f"No data for {m.year}: this table needs {needs} (docs/contract-additions.md)."
            )
            return [listing(model, title, model, rows, columns, note=note_empty)]
        sort = [c[0] for c in columns[:2] if rows[c[0]].dtype == object]
        return [listing(model, title, model, rows, columns, sort=sort, note=note)]

    return model, layout


BEYOND_THE_REPORT: list[tuple[str, Layout]] = [
    _beyond(
        "rpt_refused_complaints",
        "Complaints not accepted",
        [
            ("directorate", "Directorate", TEXT),
            ("not_accepted_reason", "Reason", TEXT),
            ("reclassified_as", "Handled as", TEXT),
            ("contacts_not_accepted", "Not accepted"),
            ("directorate_share_not_accepted", "Directorate's share refused", PCT),
        ],
        "contacts with status not_accepted",
    ),
    _beyond(
        "rpt_repeat_complainants",
        "Repeat complainants and reopened cases",
        [
            ("complainants", "Complainants"),
            ("repeat_complainants", "With 2+ complaints in 12 months"),
            ("share_repeat_complainants", "Share", PCT),
            ("multi_service_complainants", "About several services"),
            ("reopened_cases", "Reopened cases"),
        ],
        "cases.complainant_key or cases.reopened_date",
    ),
    _beyond(
        "rpt_remedy_delivery",
        "Agreed remedies delivered",
        [
            ("directorate", "Directorate", TEXT),
            ("remedy_kind", "Kind", TEXT),
            ("remedies_due", "Due"),
            ("delivered_on_time", "On time"),
            ("delivered_late", "Late"),
            ("outstanding", "Outstanding"),
            ("outstanding_past_due", "Of which past due"),
            ("share_delivered_on_time", "Share on time", PCT),
        ],
        "case_actions.due_date and completed_date",
        note="By the financial year the remedy was due.",
    ),
    _beyond(
        "rpt_complaints_per_activity",
        "Complaints per unit of service activity",
        [
            ("service", "Service", TEXT),
            ("activity_measure", "Activity", TEXT),
            ("activity_value", "Units", NUMBER),
            ("stage1_complaints", "Stage 1 complaints"),
            ("complaints_per_1000_units", "Per 1,000 units", NUMBER),
            ("complaints_per_10000_residents", "Per 10,000 residents", NUMBER),
        ],
        "the service_activity seed",
    ),
    _beyond(
        "rpt_area_rates",
        "Complaints per 10,000 residents by area",
        [
            ("area_code", "Area code", TEXT),
            ("area_name", "Area", TEXT),
            ("deprivation_decile", "Deprivation decile", NUMBER),
            ("population", "Residents", NUMBER),
            ("stage1_complaints", "Stage 1 complaints"),
            ("complaints_per_10000_residents", "Per 10,000 residents", NUMBER),
        ],
        "cases.area_code and the area_populations seed",
        note="Deprivation decile 1 is the most deprived tenth of areas.",
    ),
    _beyond(
        "rpt_equalities_profile",
        "Equalities profile of complainants",
        [
            ("characteristic", "Characteristic", TEXT),
            ("group_name", "Group", TEXT),
            ("complainants", "Complainants"),
            ("share_of_recorded_complainants", "Share of recorded", PCT),
            ("population_share", "Share of residents", PCT),
            ("stage1_responses", "Stage 1 responses"),
            ("uphold_rate", "Upheld", PCT),
        ],
        "the complainant_profile file",
        note="Small numbers are always suppressed in this table (blank cells).",
    ),
    _beyond(
        "rpt_tsm_complaints",
        "Tenant satisfaction measures CH01 and CH02",
        [
            ("homes_owned", "Homes owned", NUMBER),
            ("ch01_stage1_per_1000_homes", "CH01 stage 1 per 1,000 homes", NUMBER),
            ("ch01_stage2_per_1000_homes", "CH01 stage 2 per 1,000 homes", NUMBER),
            ("ch02_stage1_share_within_code", "CH02 stage 1 within Code", PCT),
            ("ch02_stage2_share_within_code", "CH02 stage 2 within Code", PCT),
        ],
        "the tsm_homes_owned setting (social landlords only)",
    ),
]


def _empty(table_id: str, title: str) -> DisplayTable:
    return DisplayTable(table_id, title, table_id, [DisplayColumn("", TEXT)], [], note="No data.")


# (section id, section title, [(mart, layout)]) in the printed report's order.
SECTIONS: list[tuple[str, str, list[tuple[str, Layout]]]] = [
    (
        "overview",
        "Feedback received",
        [
            ("rpt_feedback_overview", t1),
            (
                "rpt_stage1_received_by_directorate",
                _received_by_directorate(
                    "rpt_stage1_received_by_directorate",
                    "Table 2: Stage 1 complaints received by directorate",
                ),
            ),
            (
                "rpt_stage2_received_by_directorate",
                _received_by_directorate(
                    "rpt_stage2_received_by_directorate",
                    "Table 3: Stage 2 complaints received by directorate",
                ),
            ),
            ("rpt_closed_by_directorate_type", t4),
        ],
    ),
    (
        "outcomes",
        "Outcomes",
        [
            ("rpt_stage1_outcomes", _outcomes("rpt_stage1_outcomes", "Table 5: Stage 1 outcomes")),
            ("rpt_stage2_outcomes", _outcomes("rpt_stage2_outcomes", "Table 6: Stage 2 outcomes")),
            ("rpt_stage2_escalation_analysis", s321),
        ],
    ),
    ("other-feedback", "Other feedback", [("rpt_other_feedback_volumes", t7)]),
    (
        "reasons",
        "Why people complained",
        [("rpt_complaint_reasons", t8), ("rpt_upheld_reasons_by_directorate", t9)],
    ),
    (
        "timeliness",
        "Responding on time",
        [
            ("rpt_timeliness", timeliness),
            ("rpt_delay_reasons", t11),
            ("rpt_delay_reasons_by_directorate", t12),
            ("rpt_lateness", lateness),
            ("rpt_code_self_assessment", code_self_assessment),
        ],
    ),
    ("channels", "How people contacted us", [("rpt_channels", t13)]),
    (
        "remedies",
        "Compensation and learning",
        [
            ("rpt_compensation_by_directorate", s61),
            ("rpt_compensation_reasons", t14),
            ("rpt_remedy_actions", t22),
        ],
    ),
    ("member-conduct", "Member code of conduct", [("rpt_member_conduct_complaints", t15)]),
    (
        "lgsco",
        "Local Government and Social Care Ombudsman",
        [
            ("rpt_lgsco_received_by_category", t16),
            ("rpt_lgsco_decisions", t17),
            ("rpt_lgsco_outcomes_by_service", t18_21),
            ("rpt_lgsco_benchmark", benchmark),
            ("rpt_escalation_rates", escalation_rates),
        ],
    ),
    (
        "trends",
        "Trends and backlog",
        [("rpt_monthly_trend", monthly_trend), ("rpt_backlog", backlog)],
    ),
    ("beyond", "Beyond the published report", BEYOND_THE_REPORT),
    (
        "appendix-a",
        "Appendix A: Directorates and services",
        [
            ("rpt_directorate_feedback_summary", appendix_directorates),
            ("rpt_complaints_by_service", appendix_services),
        ],
    ),
]


def build_sections(marts: Marts) -> list[Section]:
    """Every section with its tables; marts without a layout in a last section."""
    sections, laid_out = [], set()
    for section_id, title, entries in SECTIONS:
        section = Section(section_id, title)
        for model, layout in entries:
            laid_out.add(model)
            if marts.has(model):
                section.tables += layout(marts)
        if section.tables:
            sections.append(section)
    others = Section("more", "More tables")
    for model in sorted(set(marts.public) - laid_out):
        others.tables.append(generic(model, marts.public[model], marts.year))
    if others.tables:
        sections.append(others)
    return sections
