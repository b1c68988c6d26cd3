"""The op-orde rapport as the screen shows it: the totals, the chart per hoofdgroep, the comparison."""

from __future__ import annotations

import dataclasses

from cbs_monitor import dutch
from cbs_monitor.protocol import ReadinessResult
from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.protocol.readiness import figure_lines

# Sections shown on screen; the .xlsx has all of them (per productcategorie too). A flagged
# figure of another section is shown as well: the municipality must see every warning.
SCREEN_SECTIONS = (
    "Totaal",
    "Cliënten per hoofdgroep",
    "Cliënten per financieringsvorm",
    "Instroom en uitstroom (arrangementen)",
)
MAIN_GROUP_SECTION = "Cliënten per hoofdgroep"


@dataclasses.dataclass(frozen=True)
class SummaryFigure:
    label: str
    value: str


@dataclasses.dataclass(frozen=True)
class ChartBar:
    """Clients of one hoofdgroep in the three periods (recharts reads the keys)."""

    hoofdgroep: str
    deze_periode: int
    vorig_halfjaar: int
    jaar_eerder: int


@dataclasses.dataclass(frozen=True)
class ComparisonLine:
    section: str
    label: str
    current: str
    previous: str
    previous_change: str
    year_earlier: str
    year_earlier_change: str
    flag: str  # why the figure stands out; "" when it does not


@dataclasses.dataclass(frozen=True)
class ReadinessScreen:
    title: str
    notice: str
    summary: tuple[SummaryFigure, ...]
    chart: tuple[ChartBar, ...]
    lines: tuple[ComparisonLine, ...]


def _clients_of(figures: ReadinessFigures | None, group: str) -> int:
    if figures is None:
        return 0
    return figures.by_main_group.get(group, {}).get("clients", 0)


def readiness_screen(result: ReadinessResult, title: str) -> ReadinessScreen:
    lines = tuple(
        ComparisonLine(
            section=row.section,
            label=row.label,
            current=dutch.number(row.current),
            previous=dutch.number(row.previous),
            previous_change=dutch.percent(row.previous_change_percent, signed=True),
            year_earlier=dutch.number(row.year_earlier),
            year_earlier_change=dutch.percent(row.year_earlier_change_percent, signed=True),
            flag=row.reason if row.flagged else "",
        )
        for row in result.comparisons
        if row.section in SCREEN_SECTIONS or row.flagged
    )
    groups = [
        label for section, label, _ in figure_lines(result.current) if section == MAIN_GROUP_SECTION
    ]
    chart = tuple(
        ChartBar(
            hoofdgroep=group,
            deze_periode=_clients_of(result.current, group),
            vorig_halfjaar=_clients_of(result.previous, group),
            jaar_eerder=_clients_of(result.year_earlier, group),
        )
        for group in groups
    )
    per_1000 = result.clients_per_1000
    summary = (
        SummaryFigure("Records gebruikt", dutch.number(result.current.records_used)),
        SummaryFigure("Unieke cliënten", dutch.number(result.current.clients)),
        SummaryFigure("Maatwerkarrangementen", dutch.number(result.current.arrangements)),
        SummaryFigure(
            "Cliënten per 1.000 inwoners",
            "niet bekend" if per_1000 is None else dutch.number(per_1000, 1),
        ),
        SummaryFigure("Opvallende veranderingen", dutch.number(len(result.flagged))),
    )
    return ReadinessScreen(
        title=title, notice=result.notice, summary=summary, chart=chart, lines=lines
    )
