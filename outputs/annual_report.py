"""Publish the annual report people read: HTML and XLSX of the latest complete year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outputs.html_report import build_report, write_html_report
from outputs.suppression import Suppressor
from outputs.xlsx_report import write_xlsx_report


def publish_annual_report(
    warehouse: Path,
    reports_dir: Path,
    suppressor: Suppressor | None = None,
    year: str | None = None,
    build_id: str = "",
) -> dict[str, Any]:
    """`annual_report_<YYYY-YY>.html` and `.xlsx` under reports_dir, from one reading of the
    warehouse (the latest complete financial year unless `year` is given)."""
    report = build_report(warehouse, year, suppressor, build_id)
    return {
        "year": report.year,
        "html": str(write_html_report(report, reports_dir)),
        "xlsx": str(write_xlsx_report(report, reports_dir)),
    }
