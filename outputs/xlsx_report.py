"""The annual report's tables as an XLSX workbook: a contents sheet, then one sheet per table.

Numbers stay numbers (with a number format: counts, %, £, days), so people can work with them;
a suppressed cell stays the text ``<5``. Every text cell is written as a string, never as a
formula, whatever it starts with (`=`, `+`, `-`, `@`): names and reasons from the case system
cannot run in a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from outputs.tables import DAYS, GBP, NUMBER, PCT, TEXT, DisplayTable, format_cell

if TYPE_CHECKING:
    from outputs.html_report import Report

NUMBER_FORMATS = {PCT: "0.0%", GBP: "£#,##0", DAYS: "0.0", NUMBER: "#,##0.00"}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3F6FA")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def sheet_name(table: DisplayTable, taken: set[str]) -> str:
    """A unique sheet name of at most 31 characters: `Table 4`, `4.1`, else the title's start."""
    match = re.match(r"^((?:Table|Tables) [\d-]+|\d+\.\d+(?:-\d+\.\d+)?|Appendix A)", table.title)
    base = match.group(1) if match else table.title
    if base == "Appendix A" or not match:
        base = table.title.replace("Appendix A: ", "App A ")
    base = _SHEET_UNSAFE.sub(" ", base).strip()[:31]
    name, n = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _write(cell: Cell, value: Any, kind: str) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, str) and kind != TEXT and re.fullmatch(r"-?\d+", value):
        value = int(value)  # a count the suppressor let through, as text
    if isinstance(value, (bool, str)) or kind == TEXT:
        text = format_cell(value, TEXT if kind == TEXT else kind)
        cell.value = text
        cell.data_type = "s"  # a string, even when it starts like a formula
        return
    if isinstance(value, dt.date):
        cell.value = value
        return
    cell.value = float(value) if not float(value).is_integer() or kind != "count" else int(value)
    cell.number_format = NUMBER_FORMATS.get(kind, "#,##0")
    cell.alignment = Alignment(horizontal="right")


def _title(cell: Cell, text: str, bold: bool = True) -> None:
    cell.value = text
    cell.data_type = "s"
    cell.font = Font(bold=bold, size=12 if bold else 10)


def write_xlsx_report(report: Report, reports_dir: Path) -> Path:
    """`<reports_dir>/annual_report_<YYYY-YY>.xlsx`, written under a temporary name and renamed."""
    from outputs.html_report import LGSCO_ATTRIBUTION, report_path

    workbook = Workbook()
    contents = workbook.active
    contents.title = "Contents"
    _title(contents["A1"], f"{report.council}: Compliments, comments and complaints {report.year}")
    _title(contents["A2"], report.suppression, bold=False)
    _title(contents["A3"], f"Built {report.built_at}. {LGSCO_ATTRIBUTION}", bold=False)
    for col, header in enumerate(["Sheet", "Table", "Source"], start=1):
        cell = contents.cell(row=5, column=col, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    taken = {"Contents"}
    row = 6
    for section in [*report.sections, report.quality]:
        for table in section.tables:
            name = sheet_name(table, taken)
            sheet = workbook.create_sheet(name)
            _title(sheet["A1"], table.title)
            for col, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row=3, column=col)
                _write(cell, column.header, TEXT)
                cell.font, cell.fill = HEADER_FONT, HEADER_FILL
                width = max(
                    [len(column.header)]
                    + [
                        len(format_cell(r[col - 1], table.kind(i, col - 1)))
                        for i, r in enumerate(table.rows)
                    ]
                )
                sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
            for i, values in enumerate(table.rows):
                for col, value in enumerate(values, start=1):
                    _write(sheet.cell(row=4 + i, column=col), value, table.kind(i, col - 1))
            notes_row = 5 + len(table.rows)
            for text in [table.note, f"Source: {table.source}"]:
                if text:
                    _title(sheet.cell(row=notes_row, column=1), text, bold=False)
                    notes_row += 1
            sheet.freeze_panes = "B4"
            for col, text in enumerate([name, table.title, table.source], start=1):
                _write(contents.cell(row=row, column=col), text, TEXT)
            row += 1
    contents.column_dimensions["A"].width = 24
    contents.column_dimensions["B"].width = 70
    contents.column_dimensions["C"].width = 40
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = report_path(reports_dir, report.year, "xlsx")
    tmp = target.with_name(f".{target.name}.tmp")
    workbook.save(tmp)
    os.replace(tmp, target)
    return target
