"""A handful of rows that each break one contract rule, to show quarantine (off by default)."""

from __future__ import annotations

from ingest.contract import CASES

BAD_ROWS_FILE = "cases_bad_rows.csv"
_GOOD = {
    "parent_ref": "",
    "feedback_type": "complaint",
    "stage": "1",
    "procedure": "corporate",
    "directorate": "Growth, Environment and Transport",
    "service": "Highways and Transportation",
    "channel": "email",
    "received_date": "2023-06-05",
    "acknowledged_date": "2023-06-06",
    "due_date": "2023-07-03",
    "extended_due_date": "",
    "closed_date": "2023-06-20",
    "status": "closed",
    "outcome": "not_upheld",
    "primary_reason": "Quality of service",
    "delay_reason": "",
    "lgsco_ref": "",
    "last_modified": "2023-06-20 10:00:00",
    "complainant_key": "",
    "area_code": "",
    "not_accepted_reason": "",
    "reclassified_as": "",
    "reopened_date": "",
}
# (case_ref, rule it breaks, columns changed)
BAD_ROWS = (
    ("BAD-0001", "closed_before_received", {"closed_date": "2023-06-01"}),
    ("", "case_ref_missing", {}),
    ("BAD-0003", "closed_complaint_without_outcome", {"outcome": ""}),
    ("BAD-0004", "invalid_channel", {"channel": "carrier pigeon"}),
    ("BAD-0005", "received_date_in_future", {"received_date": "2031-01-01", "closed_date": ""}),
    ("BAD-0006", "closed_without_closed_date", {"closed_date": ""}),
    ("BAD-0007", "invalid_received_date", {"received_date": "31/02/2023"}),
)


def bad_rows() -> list[list[str]]:
    """The rows, in the contract's column order."""
    out = []
    for case_ref, _rule, changes in BAD_ROWS:
        values = {**_GOOD, "case_ref": case_ref, **changes}
        out.append([values[c] for c in CASES.column_names])
    return out
