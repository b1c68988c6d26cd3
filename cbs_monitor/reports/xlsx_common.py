"""Shared xlsx building blocks: text-safe cells (no formula injection), styled tables, widths, frozen headers."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Characters a spreadsheet may read as the start of a formula (OWASP CSV/formula injection),
# plus tab and carriage return which some programs strip before looking.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters the xlsx format cannot hold: openpyxl refuses them, so they are removed.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_TEXT = 32_767

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14)
LABEL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def safe_cell_value(value: object) -> object:
    """A value openpyxl can store: numbers, dates and booleans as they are, anything else as clean text.

    Text that looks like a formula is returned unchanged; write it with `write_cell`, which marks
    it as text so no spreadsheet ever evaluates it.
    """
    if value is None or isinstance(value, (bool, int, float, dt.date, dt.datetime)):
        return value
    text = _ILLEGAL.sub("", str(value))
    return text[:MAX_CELL_TEXT]


def write_cell(ws: Worksheet, row: int, column: int, value: object):
    """Write one value; text starting with =, +, -, @ is stored as text (quote-prefixed), never a formula."""
    value = safe_cell_value(value)
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_title(ws: Worksheet, title: str, subtitle: str | None = None) -> int:
    """A title (and optional subtitle) at the top; returns the next free row."""
    write_cell(ws, 1, 1, title).font = TITLE_FONT
    if subtitle:
        write_cell(ws, 2, 1, subtitle).alignment = Alignment(wrap_text=False)
        return 4
    return 3


def write_table_sheet(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    start_row: int = 1,
    widths: Sequence[int] | None = None,
    wrap_columns: Sequence[int] = (),
    number_formats: dict[int, str] | None = None,
) -> int:
    """A table with a styled, frozen header row, an autofilter and column widths; returns the last row."""
    for index, header in enumerate(headers, start=1):
        cell = write_cell(ws, start_row, index, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    last = start_row
    longest = [len(str(h)) for h in headers]
    for last, values in enumerate(rows, start=start_row + 1):
        for index, value in enumerate(values, start=1):
            cell = write_cell(ws, last, index, value)
            if index in wrap_columns:
                cell.alignment = WRAP
            if number_formats and index in number_formats:
                cell.number_format = number_formats[index]
            if index <= len(longest):
                longest[index - 1] = max(longest[index - 1], len(str(cell.value or "")))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if last > start_row:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(headers))}{last}"
    for index, size in enumerate(widths or [min(max(n + 2, 8), 60) for n in longest], start=1):
        ws.column_dimensions[get_column_letter(index)].width = size
    return last


def write_key_values(
    ws: Worksheet, pairs: Iterable[tuple[str, object]], *, start_row: int, widths=(34, 70)
) -> int:
    """Label/value rows (a summary block); returns the next free row."""
    row = start_row
    for label, value in pairs:
        write_cell(ws, row, 1, label).font = LABEL_FONT
        write_cell(ws, row, 2, value).alignment = Alignment(
            wrap_text=True, vertical="top", horizontal="left"
        )
        row += 1
    ws.column_dimensions["A"].width = widths[0]
    ws.column_dimensions["B"].width = widths[1]
    return row + 1


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
