"""The op-orde rapport as an .xlsx: summary, figures per category and client, and the period comparison."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill

from cbs_monitor import dutch
from cbs_monitor.protocol.figures import PER_CLIENT_BUCKETS
from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.protocol.readiness import (
    APPEARED,
    FELL_TO_ZERO,
    FINANCING_LABELS,
    FLOW_LABELS,
    ReadinessResult,
    reason_label,
)
from cbs_monitor.protocol.spec import ProtocolSpec
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1
from cbs_monitor.reports.xlsx_common import (
    LABEL_FONT,
    new_workbook,
    to_bytes,
    write_cell,
    write_key_values,
    write_table_sheet,
    write_title,
)

FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")
# What the "Let op" column says per marker; any other flagged change reads "Ja".
MARKER_TEXT = {FELL_TO_ZERO: "Naar 0", APPEARED: "Nieuw"}


def write_readiness_report(
    result: ReadinessResult,
    *,
    municipality_name: str,
    period_code: str,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> bytes:
    """The report a municipality uses to judge completeness; for checking, not for publication."""
    workbook = new_workbook()
    current = result.current
    period = parse_period(period_code)
    period_text = f"{period_code} ({period.label})" if period else period_code

    summary = workbook.create_sheet("Op-orde rapport")
    row = write_title(summary, "Op-orde rapport Wmo", result.notice)
    summary["A2"].font = Font(italic=True, bold=True, color="9C0006")
    pairs: list[tuple[str, object]] = [
        ("Gemeente", f"{result.municipality_code} {municipality_name}".strip()),
        ("Verslagperiode", period_text),
        ("Records gebruikt", current.records_used),
        ("Unieke cliënten", current.clients),
        ("Maatwerkarrangementen", current.arrangements),
        ("Dubbele regels (één keer geteld)", current.duplicate_records),
        ("Inwoners", result.population if result.population else "niet ingesteld"),
        (
            "Cliënten per 1.000 inwoners",
            result.clients_per_1000 if result.clients_per_1000 is not None else "-",
        ),
        (
            "Vergeleken met vorig halfjaar",
            result.previous.period_code if result.previous else "geen gegevens",
        ),
        (
            "Vergeleken met een jaar eerder",
            result.year_earlier.period_code if result.year_earlier else "geen gegevens",
        ),
        ("Opvallende veranderingen", len(result.flagged)),
        (
            "Drempel voor een opvallende verandering",
            dutch.percent(result.change_threshold_percent),
        ),
    ]
    row = write_key_values(summary, pairs, start_row=row)
    write_cell(summary, row, 1, "Hoe er geteld is").font = LABEL_FONT
    write_key_values(
        summary, [(note["term"], note["text"]) for note in result.notes], start_row=row + 1
    )
    summary.freeze_panes = "A3"

    categories = workbook.create_sheet("Productcategorieën")
    last = write_table_sheet(
        categories,
        ["Code", "Productcategorie", "Hoofdgroep", "Cliënten", "Arrangementen"],
        [
            (
                code,
                name,
                spec.main_group_of(code) or "",
                current.by_category.get(code, {}).get("clients", 0),
                current.by_category.get(code, {}).get("arrangements", 0),
            )
            for code, name in spec.categories.items()
        ],
        widths=[8, 62, 28, 12, 16],
    )
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Cliënten per productcategorie"
    chart.add_data(Reference(categories, min_col=4, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(categories, min_col=1, min_row=2, max_row=last))
    chart.height, chart.width, chart.legend = 12, 18, None
    categories.add_chart(chart, "G2")

    groups = workbook.create_sheet("Hoofdgroepen")
    write_table_sheet(
        groups,
        ["Hoofdgroep", "Cliënten", "Arrangementen"],
        [
            (
                group,
                current.by_main_group.get(group, {}).get("clients", 0),
                current.by_main_group.get(group, {}).get("arrangements", 0),
            )
            for group in spec.main_groups
        ],
        widths=[30, 12, 16],
    )

    clients = workbook.create_sheet("Cliënten en stromen")
    rows: list[tuple[object, ...]] = []
    rows += [
        ("Financieringsvorm", label, current.financing.get(key, 0), "")
        for key, label in FINANCING_LABELS.items()
    ]
    rows += [
        (
            "Aantal arrangementen per cliënt",
            bucket,
            current.arrangements_per_client.get(bucket, 0),
            "",
        )
        for bucket in PER_CLIENT_BUCKETS
    ]
    rows += [
        (
            "Instroom en uitstroom",
            label,
            current.flows.get(key, {}).get("clients", 0),
            current.flows.get(key, {}).get("arrangements", 0),
        )
        for key, label in FLOW_LABELS.items()
    ]
    rows += [
        ("Beëindigd per reden", reason_label(code, spec), "", count)
        for code, count in current.ended_by_reason.items()
    ]
    write_table_sheet(
        clients,
        ["Onderdeel", "Omschrijving", "Cliënten", "Arrangementen"],
        rows,
        widths=[34, 40, 12, 16],
    )

    comparison = workbook.create_sheet("Vergelijking")
    previous_code = result.previous.period_code if result.previous else "vorig halfjaar"
    year_code = result.year_earlier.period_code if result.year_earlier else "jaar eerder"
    headers = [
        "Onderdeel",
        "Omschrijving",
        period_code,
        previous_code,
        "Verschil",
        "Verschil %",
        year_code,
        "Verschil",
        "Verschil %",
        "Let op",
        "Toelichting",
    ]

    def fraction(value: float | None) -> float | None:
        return None if value is None else value / 100.0

    rows = [
        (
            c.section,
            c.label,
            c.current,
            c.previous,
            c.previous_change,
            fraction(c.previous_change_percent),
            c.year_earlier,
            c.year_earlier_change,
            fraction(c.year_earlier_change_percent),
            MARKER_TEXT.get(c.marker, "Ja") if c.flagged else "",
            c.reason,
        )
        for c in result.comparisons
    ]
    write_table_sheet(
        comparison,
        headers,
        rows,
        widths=[36, 58, 12, 14, 10, 11, 14, 10, 11, 8, 44],
        number_formats={6: "0.0%", 9: "0.0%"},
    )
    for index, c in enumerate(result.comparisons, start=2):
        if c.flagged:
            for column in range(1, len(headers) + 1):
                comparison.cell(row=index, column=column).fill = FLAG_FILL
    return to_bytes(workbook)
