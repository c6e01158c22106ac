"""What a plan is made of: complaint cells, escalations to plan, Ombudsman log entries."""

from __future__ import annotations

from dataclasses import dataclass, field

ON_TIME = "(on time)"
REPORT_YEAR = "2023/24"
NOT_SENT = "Closed by LGSCO \u2013 not sent to KCC"  # the log's own category (Table 18)
CellKey = tuple[int, str, str, str, str]  # stage, directorate, received year, closed year, outcome


class PlanError(ValueError):
    """The targets cannot all be met (at scale 1 this is a calibration error)."""


@dataclass(frozen=True)
class ChildSpec:
    """A stage 2 record to be written with (after) the stage 1 response it escalated from."""

    directorate: str
    received_year: str
    closed_year: str
    outcome: str


@dataclass
class LogEntry:
    """One case in the council's Ombudsman log, and what links to it."""

    lgsco_ref: str
    directorate: str
    service: str
    council_outcome: str
    decision_year: str
    link: tuple[str, int, str] | None = None  # (directorate, stage, closed year) of its case
    payments: list[tuple[str, int]] = field(default_factory=list)  # (reason, pence)


@dataclass
class Plan:
    complaint_cells: dict[CellKey, int]
    bypassed_cells: dict[CellKey, int]  # stage 2 records with no stage 1
    feedback_cells: dict[tuple[str, str, str, str], int]  # type, directorate, received, closed
    other_received: dict[tuple[str, str], int]  # year, feedback type
    services: dict[tuple[str, str], dict[str, int]]  # (directorate, year) -> stage 1 services
    reason_sets: dict[str, dict[tuple[str, ...], int]]  # year received -> reason sets
    upheld_reasons_s1: dict[tuple[str, str], dict[str, int]]  # (directorate, year received)
    upheld_reasons_s2: dict[str, dict[str, int]]  # directorate
    stage2_reasons: dict[str, float]  # weights of primary reasons at stage 2
    channels: dict[tuple[str, str], dict[str, int]]  # (year, kind) -> channel counts
    lateness: dict[tuple[str, str, int], dict[str, int]]  # (directorate, year closed, gap)
    children: dict[tuple[str, str, str], list[ChildSpec]]  # (directorate, year closed, class)
    actions: dict[tuple[str, int, str], dict[str, int]]  # (year closed, stage, class)
    local_payments: dict[tuple[str, str], list[tuple[str, int]]]  # (directorate, year)
    lgsco_entries: list[LogEntry]
    member_conduct: list[tuple[str, str]]
    scale: float = 1.0
    notes: list[str] = field(default_factory=list)

    def responses(self, directorate: str, stage: int, year: str, outcomes: tuple[str, ...]) -> int:
        return sum(
            n
            for (s, d, _r, c, o), n in self.complaint_cells.items()
            if s == stage and d == directorate and c == year and o in outcomes
        )


def outcome_class(outcome: str) -> str:
    """up (upheld or partly), nu (not upheld) or rur (resolved upon receipt)."""
    return {"upheld": "up", "partly_upheld": "up", "not_upheld": "nu"}.get(outcome, "rur")


def parent_class(outcome: str) -> str:
    return "up" if outcome in ("upheld", "partly_upheld") else "other"
