"""The Berichtenlog overview as .xlsx (Download overzicht): the same list the tab shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cbs_monitor import clock, dutch
from cbs_monitor.models import Message
from cbs_monitor.reports.xlsx_common import new_workbook, to_bytes, write_table_sheet, write_title
from cbs_monitor.services.messages import kind_label

HEADERS = ["Datum en tijd", "Soort", "Periode", "Bericht"]


def write_message_log(
    rows: Iterable[Message], *, municipality: str, start: dt.date, end: dt.date
) -> bytes:
    workbook = new_workbook()
    sheet = workbook.create_sheet("Berichtenlog")
    first_row = write_title(sheet, f"Berichtenlog {municipality}", dutch.date_range(start, end))
    table = [
        [
            clock.to_local(m.created_at).replace(tzinfo=None),
            kind_label(m.kind),
            m.period_code or "",
            m.text,
        ]
        for m in rows
    ]
    write_table_sheet(
        sheet,
        HEADERS,
        table,
        start_row=first_row,
        widths=[18, 30, 10, 90],
        wrap_columns=(4,),
        number_formats={1: "dd-mm-yyyy hh:mm"},
    )
    return to_bytes(workbook)
