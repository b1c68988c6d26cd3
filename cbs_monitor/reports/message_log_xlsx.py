"""The Berichtenlog overview as .xlsx (Download overzicht): the same list the tab shows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from openpyxl import Workbook

from cbs_monitor import clock
from cbs_monitor.models import Message
from cbs_monitor.reports.xlsx_common import write_table_sheet
from cbs_monitor.services.messages import kind_label

HEADERS = ["Datum en tijd", "Soort", "Periode", "Bericht"]


def write_message_log(rows: Iterable[Message], *, municipality: str, start: dt.date, end: dt.date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Berichtenlog"
    table = [
        [clock.to_local(m.created_at).replace(tzinfo=None), kind_label(m.kind), m.period_code or "", m.text]
        for m in rows
    ]
    write_table_sheet(
        sheet, HEADERS, table,
        title=f"Berichtenlog {municipality}, {start:%d-%m-%Y} tot en met {end:%d-%m-%Y}",
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
