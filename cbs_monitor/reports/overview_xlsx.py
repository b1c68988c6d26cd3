"""The CBS overview of a period as .xlsx: one row per municipality, plus the counts and the filters used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cbs_monitor import clock
from cbs_monitor.models import ReportStatus
from cbs_monitor.reports.xlsx_common import (
    new_workbook,
    to_bytes,
    write_key_values,
    write_table_sheet,
    write_title,
)

HEADERS = [
    "Gemeentecode",
    "Gemeente",
    "Status",
    "Te laat",
    "Aantal aanleveringen",
    "Laatste aanlevering",
    "Bestand",
    "Geleverd door",
    "Delegerend",
    "Oordeel door CBS",
    "Technisch rapport",
    "Technisch rapport datum",
    "Technisch rapport uiterlijk",
    "Op orde rapport",
    "Op orde rapport datum",
    "Op orde rapport uiterlijk",
    "Ingetrokken onderdelen",
]
DATE_TIME = "dd-mm-yyyy hh:mm"
DATE = "dd-mm-yyyy"
OWED = (ReportStatus.pending, ReportStatus.held)  # still owed: a due date instead of a date


def _local(stamp: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write Dutch local time, which is what the reviewer sees on screen.
    return clock.to_local(stamp).replace(tzinfo=None) if stamp else None


def _report(summary) -> list[object]:
    if summary is None:
        return ["", None, None]
    owed = summary.status in OWED
    return [
        summary.status.value,
        None if owed else _local(summary.shown_at),
        due.date() if owed and (due := _local(summary.due_at)) else None,
    ]


def write_overview(
    rows: Sequence,
    *,
    period_code: str,
    counts,
    filters: Sequence[tuple[str, str]],
    created_at: dt.datetime,
) -> bytes:
    """`rows` are review.OverviewRow, `counts` a review.Counts; returns the workbook's bytes."""
    workbook = new_workbook()
    sheet = workbook.create_sheet("Overzicht")
    start = write_title(
        sheet,
        f"CBS Monitor: overzicht verslagperiode {period_code}",
        f"Gemaakt op {clock.format_local(created_at)}",
    )
    table = [
        [
            row.code,
            row.name,
            row.status,
            "ja" if row.overdue else "",
            row.delivery_count,
            _local(row.received_at),
            row.filename,
            row.delivered_by,
            "ja" if row.delegating else "",
            "ja" if row.overridden else "",
            *_report(row.technical),
            *_report(row.readiness),
            ", ".join(row.withdrawn_parts),
        ]
        for row in rows
    ]
    write_table_sheet(
        sheet,
        HEADERS,
        table,
        start_row=start,
        widths=[13, 24, 22, 9, 12, 18, 36, 34, 11, 11, 16, 18, 14, 18, 18, 14, 48],
        wrap_columns=(17,),
        number_formats={6: DATE_TIME, 12: DATE_TIME, 13: DATE, 15: DATE_TIME, 16: DATE},
    )
    summary = workbook.create_sheet("Samenvatting")
    next_row = write_title(summary, f"Samenvatting verslagperiode {period_code}")
    pairs: list[tuple[str, object]] = [("Gemeenten in dit overzicht", len(rows))]
    pairs += [(f"Status: {status}", number) for status, number in counts.by_status.items()]
    pairs += [
        ("Met een rapport te laat", counts.overdue),
        ("Op orde rapport wacht op vrijgave", counts.held),
    ]
    next_row = write_key_values(summary, pairs, start_row=next_row)
    write_key_values(
        summary,
        [(f"Filter: {label}", value) for label, value in filters] or [("Filters", "geen")],
        start_row=next_row,
    )
    return to_bytes(workbook)
