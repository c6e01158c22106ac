"""The canonical case export contract (`shared/spec/case_export_contract.md`) as data.

Each entity (canonical file) lists its columns with a kind, whether it is required and,
for enums, the allowed values. Row rules beyond "required / parseable / allowed value"
live in `ingest.validate` next to the SQL that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["text", "date", "timestamp", "int", "decimal", "bool", "enum", "lgsco_ref"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_file: bool = False
    description: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


FEEDBACK_TYPES = (
    "complaint",
    "comment",
    "compliment",
    "enquiry",
    "member_enquiry",
    "representation",
    "informal_concern",
    "sen_enquiry",
)
PROCEDURES = ("corporate", "adult_social_care", "children_act", "joint_health")
CHANNELS = (
    "phone",
    "letter",
    "email",
    "face_to_face",
    "online_form",
    "via_member_or_director",
    "web_survey",
    "social_media",
    "other",
)
STATUSES = ("open", "closed", "withdrawn", "not_accepted")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "resolved_upon_receipt")
COUNCIL_LGSCO_OUTCOMES = ("upheld", "not_upheld", "closed", "premature")
MEMBER_CONDUCT_OUTCOMES = (
    "no_action",
    "resolved_upon_receipt",
    "dismissed",
    "action_taken_by_party",
    "investigated",
    "other",
)

CASES = Entity(
    name="cases",
    required_file=True,
    key=("case_ref",),
    description="One row per case record (a case at one stage).",
    columns=(
        Column("case_ref", required=True),
        Column("parent_ref"),
        Column("feedback_type", "enum", required=True, allowed=FEEDBACK_TYPES),
        Column("stage", "int"),
        Column("procedure", "enum", allowed=PROCEDURES),
        Column("directorate", required=True),
        Column("service"),
        Column("channel", "enum", allowed=CHANNELS),
        Column("received_date", "date", required=True),
        Column("acknowledged_date", "date"),
        Column("due_date", "date"),
        Column("extended_due_date", "date"),
        Column("closed_date", "date"),
        Column("status", "enum", required=True, allowed=STATUSES),
        Column("outcome", "enum", allowed=OUTCOMES),
        Column("primary_reason"),
        Column("delay_reason"),
        Column("lgsco_ref", "lgsco_ref"),
        Column("last_modified", "timestamp", required=True),
        # Optional additions (docs/contract-additions.md).
        Column("complainant_key"),
        Column("area_code"),
        Column("not_accepted_reason"),
        Column("reclassified_as"),
        Column("reopened_date", "date"),
    ),
)

CASE_REASONS = Entity(
    name="case_reasons",
    key=("case_ref", "reason"),
    description="One row per reason recorded on a case.",
    columns=(
        Column("case_ref", required=True),
        Column("reason", required=True),
        Column("is_primary", "bool"),
    ),
)

CASE_ACTIONS = Entity(
    name="case_actions",
    key=("case_ref", "action"),
    description="One row per remedy or learning action on a case.",
    columns=(
        Column("case_ref", required=True),
        Column("action", required=True),
        Column("action_date", "date"),
        # Optional additions (docs/contract-additions.md).
        Column("due_date", "date"),
        Column("completed_date", "date"),
    ),
)

CASE_PAYMENTS = Entity(
    name="case_payments",
    key=("payment_id",),
    description="One row per payment, waiver or refund.",
    columns=(
        Column("payment_id", required=True),
        Column("case_ref", required=True),
        Column("amount_gbp", "decimal", required=True),
        Column("payment_reason"),
        Column("paid_date", "date", required=True),
        Column("following_lgsco", "bool"),
    ),
)

OMBUDSMAN_CASES = Entity(
    name="ombudsman_cases",
    key=("lgsco_ref",),
    description="The council's own log of LGSCO cases.",
    columns=(
        Column("lgsco_ref", "lgsco_ref", required=True),
        Column("case_ref"),
        Column("directorate"),
        Column("service"),
        Column("received_date", "date"),
        Column("decision_date", "date"),
        Column("council_outcome", "enum", allowed=COUNCIL_LGSCO_OUTCOMES),
        Column("remedy_amount_gbp", "decimal"),
    ),
)

MEMBER_CONDUCT_COMPLAINTS = Entity(
    name="member_conduct_complaints",
    key=("complaint_ref",),
    description="Member code of conduct complaints (standards committee).",
    columns=(
        Column("complaint_ref", required=True),
        Column("received_date", "date", required=True),
        Column("outcome", "enum", allowed=MEMBER_CONDUCT_OUTCOMES),
    ),
)

COMPLAINANT_PROFILE = Entity(
    name="complainant_profile",
    key=("case_ref",),
    description="The council's equalities monitoring of a case's complainant (voluntary).",
    columns=(
        Column("case_ref", required=True),
        Column("age_band"),
        Column("sex"),
        Column("ethnic_group"),
        Column("disability"),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        CASES,
        CASE_REASONS,
        CASE_ACTIONS,
        CASE_PAYMENTS,
        OMBUDSMAN_CASES,
        MEMBER_CONDUCT_COMPLAINTS,
        COMPLAINANT_PROFILE,
    )
}
OPTIONAL_ENTITIES = tuple(name for name, e in ENTITIES.items() if not e.required_file)
# The contract's optional additions for the measures beyond the published report
# (docs/contract-additions.md): a council that never delivers them gets empty marts.
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "cases": (
        "complainant_key",
        "area_code",
        "not_accepted_reason",
        "reclassified_as",
        "reopened_date",
    ),
    "case_actions": ("due_date", "completed_date"),
}
