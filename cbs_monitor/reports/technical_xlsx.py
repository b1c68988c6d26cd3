"""The technisch rapport as an .xlsx: summary, counts, one row per check, and the files of a ZIP."""

from __future__ import annotations

import datetime as dt

from cbs_monitor import dutch
from cbs_monitor.protocol.result import TechnicalResult
from cbs_monitor.reports.xlsx_common import (
    new_workbook,
    to_bytes,
    write_key_values,
    write_table_sheet,
    write_title,
)

FINDING_HEADERS = [
    "Code",
    "Ernst",
    "Niveau",
    "Bestand",
    "Kolom",
    "Melding",
    "Aantal",
    "Eerste regels",
]


def write_technical_report(
    result: TechnicalResult, *, uploaded_at: dt.datetime, organisation: str, municipality_name: str
) -> bytes:
    """The report a municipality downloads; it holds line numbers and column names, never a BSN."""
    workbook = new_workbook()

    summary = workbook.create_sheet("Technisch rapport")
    row = write_title(summary, "Technisch rapport aanlevering Wmo", f"Status: {result.status}")
    municipality = (
        f"{result.municipality_code} {municipality_name}".strip()
        if result.municipality_code
        else municipality_name
    )
    pairs: list[tuple[str, object]] = [
        ("Bestandsnaam", result.filename),
        ("Grootte", dutch.file_size_with_bytes(result.size)),
        ("SHA-256", result.sha256),
        ("Moment van aanleveren", uploaded_at.strftime(dutch.DATE_TIME_FORMAT)),
        ("Aangeleverd door", organisation),
        ("Gemeente", municipality or "-"),
        ("Verslagperiode", ", ".join(result.period_codes) or "-"),
        ("Status", result.status),
    ]
    if result.refused:
        pairs.append(
            (
                "Toelichting",
                "Het bestand is geweigerd en niet gelezen; zie Controles voor de reden.",
            )
        )
    elif not result.approved:
        pairs.append(
            (
                "Toelichting",
                "Het bestand is afgekeurd; zie Controles voor wat er moet worden verbeterd.",
            )
        )
    pairs.append(("Protocol", result.spec_version))
    write_key_values(summary, pairs, start_row=row)
    summary.freeze_panes = "A3"

    counts = workbook.create_sheet("Aantallen")
    write_table_sheet(
        counts,
        ["Aantal", "Waarde"],
        [
            ("Records gelezen", result.records_read),
            ("Records zonder fouten", result.records_valid),
            ("Records met fouten", result.records_with_errors),
            ("Records buiten de verslagperiode", result.records_out_of_period),
            ("Records gebruikt voor het op-orde rapport", max(result.records_used, 0)),
            ("Percentage records met fouten", dutch.percent(result.error_percent)),
            ("Foutdrempel", dutch.percent(result.error_threshold_percent)),
            ("Fouten (controles)", len(result.errors)),
            ("Waarschuwingen (controles)", len(result.warnings)),
        ],
        widths=[44, 16],
    )

    checks = workbook.create_sheet("Controles")
    rows = [
        (
            f.code,
            f.severity,
            f.level,
            f.file or "",
            f.column or "",
            f.message,
            f.count,
            ", ".join(str(n) for n in f.lines),
        )
        for f in result.findings
    ]
    if not rows:
        rows = [("", "", "", "", "", "Geen fouten of waarschuwingen gevonden.", 0, "")]
    write_table_sheet(
        checks, FINDING_HEADERS, rows, widths=[8, 14, 10, 30, 26, 80, 10, 40], wrap_columns=(6,)
    )

    if len(result.files) > 1 or (result.files and result.files[0].name != result.filename):
        files = workbook.create_sheet("Bestanden")
        write_table_sheet(
            files,
            ["Bestand", "Gemeentecode", "Verslagperiode", "Records", "Records met fouten"],
            [
                (
                    f.name,
                    f.municipality_code or "",
                    f.period_code or "",
                    f.records,
                    f.records_with_errors,
                )
                for f in result.files
            ],
            widths=[40, 14, 16, 12, 20],
        )
    return to_bytes(workbook)
