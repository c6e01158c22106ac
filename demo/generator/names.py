"""Names as a council's case system records them: directorates, services, reasons and codes.

Canonical names are those of the `org_units` seed. `recorded_directorate` and
`recorded_service` return the name in use on a date (old names before a restructure, a few
abbreviations and merged services), so that the demo exercises the seed's aliases.
"""

from __future__ import annotations

import datetime as dt
import random

ASCH = "Adult Social Care and Health"
CYPE = "Children, Young People and Education"
GET = "Growth, Environment and Transport"
CED = "Chief Executive and Deputy Chief Executive Departments"
DIRECTORATES = (ASCH, CYPE, GET, CED)
NO_SERVICE = "(none)"

OUTCOMES = ("not_upheld", "upheld", "partly_upheld", "resolved_upon_receipt", "withdrawn")
UPHELD_CLASS = ("upheld", "partly_upheld")

RESTRUCTURE_2023 = dt.date(2023, 4, 1).toordinal()
RESTRUCTURE_2022 = dt.date(2022, 4, 1).toordinal()

TOP_DELAY_REASONS = (
    "Workload",
    "Complex case",
    "Sign off delay",
    "Staff absent or unavailable",
    "More information required from customer",
)
NOT_RECORDED = "Not recorded"  # a late response with no delay reason

ACTIONS = (
    "Formal apology",
    "Explanation",
    "Provided service requested",
    "Arrange staff training or guidance",
    "Financial remedy",
    "Discuss at team meeting",
    "Offered advice",
    "Change or review a policy or procedure",
    "Change or review communications",
    "Change or review a service",
    "Review contract or partner arrangements",
)
# Where each action is recorded: weight for (upheld or partly, not upheld, resolved on receipt)
ACTION_CLASS_WEIGHTS = {
    "Formal apology": (1.0, 0.0, 0.05),
    "Explanation": (0.3, 0.6, 0.1),
    "Provided service requested": (0.7, 0.05, 0.25),
    "Arrange staff training or guidance": (1.0, 0.02, 0.0),
    "Financial remedy": (1.0, 0.0, 0.0),
    "Discuss at team meeting": (0.8, 0.2, 0.0),
    "Offered advice": (0.2, 0.7, 0.1),
    "Change or review a policy or procedure": (0.8, 0.2, 0.0),
    "Change or review communications": (0.7, 0.3, 0.0),
    "Change or review a service": (0.9, 0.1, 0.0),
    "Review contract or partner arrangements": (1.0, 0.0, 0.0),
}

# Complaint procedure by canonical service: (procedure, weight) choices
PROCEDURES = {
    ASCH: (("adult_social_care", 0.92), ("joint_health", 0.08)),
    "Integrated Children's Services": (("children_act", 0.85), ("corporate", 0.15)),
}
TIMESCALES = {  # council timescales in working days by (procedure, stage), as the seed
    ("corporate", 1): 20,
    ("corporate", 2): 20,
    ("adult_social_care", 1): 20,
    ("adult_social_care", 2): 20,
    ("children_act", 1): 10,
    ("children_act", 2): 25,
    ("joint_health", 1): 30,
    ("joint_health", 2): 30,
}

# Channels of feedback the report's Table 13 does not count (enquiries and the like)
OTHER_CHANNELS = (
    ("email", 40),
    ("online_form", 30),
    ("phone", 22),
    ("letter", 2),
    ("face_to_face", 3),
    ("social_media", 2),
    ("other", 1),
)
# Prior shape of the channel mix by kind of feedback (Table 13 fixes only the totals)
CHANNEL_PRIORS = {
    "complaint_1": {
        "phone": 12,
        "letter": 2,
        "email": 28,
        "face_to_face": 1.2,
        "online_form": 52,
        "via_member_or_director": 0.2,
        "web_survey": 3,
        "other": 0.4,
        "not_recorded": 2,
    },
    "complaint_2": {
        "phone": 5,
        "letter": 5,
        "email": 60,
        "face_to_face": 0.5,
        "online_form": 25,
        "via_member_or_director": 1,
        "web_survey": 0,
        "other": 1,
        "not_recorded": 3,
    },
    "comment": {
        "phone": 5,
        "letter": 1,
        "email": 15,
        "face_to_face": 3,
        "online_form": 15,
        "via_member_or_director": 0.1,
        "web_survey": 60,
        "other": 1,
        "not_recorded": 2,
    },
    "compliment": {
        "phone": 15,
        "letter": 3,
        "email": 45,
        "face_to_face": 8,
        "online_form": 10,
        "via_member_or_director": 0.1,
        "web_survey": 20,
        "other": 1,
        "not_recorded": 2,
    },
    "informal_concern": {
        "phone": 40,
        "letter": 2,
        "email": 40,
        "face_to_face": 5,
        "online_form": 10,
        "via_member_or_director": 0,
        "web_survey": 0,
        "other": 1,
        "not_recorded": 2,
    },
}

# Who handles the feedback types that have no published breakdown: (directorate, service, weight)
OTHER_FEEDBACK_UNITS = {
    "enquiry": (
        (GET, "Libraries, Registrations and Archives", 62),
        (GET, "Highways and Transportation", 20),
        (CYPE, "Education", 8),
        (ASCH, ASCH, 5),
        (CED, "Finance", 5),
    ),
    "member_enquiry": (
        (GET, "Highways and Transportation", 55),
        (CYPE, "Education", 15),
        (CYPE, "Integrated Children's Services", 8),
        (ASCH, ASCH, 12),
        (GET, "Environment", 5),
        (CED, "Finance", 5),
    ),
    "representation": ((CYPE, "Integrated Children's Services", 1),),
    "informal_concern": ((ASCH, ASCH, 1),),
    "sen_enquiry": ((CYPE, "SEN & Disabled Children's Services", 1),),
}
COMPLIMENT_COMMENT_SERVICES = {  # service weights for comments and compliments
    ASCH: ((ASCH, 1),),
    CYPE: (
        ("Integrated Children's Services", 5),
        ("Education", 3),
        ("Corporate Directors Office", 1),
    ),
    GET: (
        ("Waste", 6),
        ("Highways and Transportation", 4),
        ("Libraries, Registrations and Archives", 4),
        ("Environment", 1),
        ("Growth & Communities", 1),
    ),
    CED: (("Marketing and Resident Experience", 6), ("Finance", 2), ("Infrastructure", 1)),
}

PAYMENT_REASON_PRIORS = {  # shape of the payment reason mix by (directorate, following LGSCO)
    "following_lgsco": {
        "Distress and uncertainty": 5,
        "Time and trouble": 4,
        "Financial redress": 3,
        "Reimbursement": 2,
        "Other": 1,
        "Legal costs": 1,
        "Goodwill": 0.5,
    },
    ASCH: {
        "Waiver fee": 5,
        "Refund": 3,
        "Reimbursement": 3,
        "Cost of service supplied": 2,
        "Goodwill": 2,
        "Other": 1,
    },
    CYPE: {
        "Goodwill": 3,
        "Distress and uncertainty": 2,
        "Time and trouble": 2,
        "Reimbursement": 2,
        "Financial redress": 2,
        "Legal costs": 1,
        "Other": 1,
    },
    GET: {"Goodwill": 4, "Refund": 2, "Reimbursement": 2, "Other": 1},
    CED: {"Goodwill": 3, "Refund": 1, "Other": 1},
}
TYPICAL_PAYMENT = {  # rough size of one payment (pounds) by reason, before scaling to totals
    "Goodwill": 150,
    "Waiver fee": 1200,
    "Distress and uncertainty": 400,
    "Reimbursement": 1500,
    "Financial redress": 1800,
    "Refund": 600,
    "Time and trouble": 250,
    "Other": 500,
    "Cost of service supplied": 1400,
    "Legal costs": 2500,
}


def recorded_directorate(canonical: str, ordinal: int, rng: random.Random) -> str:
    """The directorate name a case system would show on that date."""
    r = rng.random()
    if canonical == CED:
        if ordinal < RESTRUCTURE_2023:
            return (
                "Strategic & Corporate Services" if r < 0.1 else "Strategic and Corporate Services"
            )
        return "DECD" if r < 0.05 else "CED" if r < 0.08 else CED
    if r < 0.03:
        return {ASCH: "ASCH", CYPE: "CYPE", GET: "GET"}[canonical]
    return canonical


def recorded_service(canonical: str, ordinal: int, rng: random.Random) -> str:
    """The service name in use on that date (renamed services keep their old name before)."""
    if canonical == NO_SERVICE:
        return ""
    r = rng.random()
    if canonical == "Integrated Children's Services":
        if ordinal < RESTRUCTURE_2022:
            return "Specialist Children Service" if r < 0.2 else "Specialist Children's Services"
        if ordinal < RESTRUCTURE_2023:
            return "Children's Social Work Services"
    elif canonical == "Education":
        if r < 0.1:
            return "Community Learning & Skills"
        return "Education Services" if ordinal < RESTRUCTURE_2023 else "Education"
    elif canonical == "SEN & Disabled Children's Services":
        return "Special Educational Needs" if r < 0.2 else canonical
    elif canonical == "Corporate Directors Office":
        return "The Education People" if r < 0.3 else canonical
    elif canonical == "Environment":
        if ordinal < RESTRUCTURE_2023:
            return (
                "Environment Planning and Enforcement"
                if r < 0.2
                else "Environment, Planning and Enforcement"
            )
    elif canonical == "Growth & Communities":
        if ordinal < RESTRUCTURE_2023:
            return "Economic Development"
    elif canonical == "Highways and Transportation":
        return "Highways & Transportation" if r < 0.15 else canonical
    elif canonical == "Finance":
        return "Insurance" if r < 0.15 else canonical
    elif canonical == "Governance, Law and Democracy":
        if ordinal < RESTRUCTURE_2022:
            return "FOI"
    elif canonical == "Strategic Commissioning":
        return "Public Health" if r < 0.2 else canonical
    elif canonical == "Other including HR":
        return "HR" if r < 0.3 else canonical
    return canonical


def procedure_for(service: str, rng: random.Random) -> str:
    choices = PROCEDURES.get(service)
    if not choices:
        return "corporate"
    r, acc = rng.random(), 0.0
    for procedure, weight in choices:
        acc += weight
        if r < acc:
            return procedure
    return choices[-1][0]
