"""The op-orde rapport as data: this period's figures next to the previous half year and a year earlier."""

from __future__ import annotations

import dataclasses
from typing import Any

from cbs_monitor import dutch
from cbs_monitor.protocol.figures import PER_CLIENT_BUCKETS, ReadinessFigures
from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.protocol.spec import ProtocolSpec
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1

NOTICE = (
    "Dit op-orde rapport is bedoeld om te controleren of uw aanlevering compleet en juist is. "
    "De cijfers zijn niet bestemd voor publicatie."
)
FINANCING_LABELS = {
    "zin_only": "Alleen zorg in natura (ZIN)",
    "pgb_only": "Alleen pgb",
    "both": "Zowel ZIN als pgb",
}
FLOW_LABELS = {
    "started": "Gestart in de periode",
    "ended": "Beëindigd in de periode",
    "running": "Lopend aan het eind van de periode",
}
NO_REASON = "Niet ingevuld"
# Markers of a compared figure; "" for one that did not move much.
CHANGED = "verandering"
FELL_TO_ZERO = "gedaald naar 0"
APPEARED = "nieuw"


@dataclasses.dataclass
class ComparisonRow:
    """One figure in three periods; `flagged` when it moved more than the threshold, fell to 0 or
    appeared from 0. `marker` says which (FELL_TO_ZERO and APPEARED win over CHANGED): a figure
    that was 0 has no percentage change, it is marked APPEARED instead."""

    section: str
    label: str
    current: int
    previous: int | None = None
    previous_change: int | None = None
    previous_change_percent: float | None = None
    year_earlier: int | None = None
    year_earlier_change: int | None = None
    year_earlier_change_percent: float | None = None
    flagged: bool = False
    reason: str = ""
    marker: str = ""


@dataclasses.dataclass
class ReadinessResult:
    """Everything the op-orde screen and .xlsx show, JSON-serialisable."""

    municipality_code: str
    period_code: str
    current: ReadinessFigures
    previous: ReadinessFigures | None = None
    year_earlier: ReadinessFigures | None = None
    population: int | None = None
    clients_per_1000: float | None = None
    change_threshold_percent: float = 20.0
    comparisons: list[ComparisonRow] = dataclasses.field(default_factory=list)
    notice: str = NOTICE
    # How the figures are counted, as (term, Dutch explanation) dicts: for the screen and .xlsx.
    notes: list[dict[str, str]] = dataclasses.field(default_factory=list)

    @property
    def flagged(self) -> list[ComparisonRow]:
        return [row for row in self.comparisons if row.flagged]

    def to_dict(self) -> dict[str, Any]:
        return {
            "municipality_code": self.municipality_code,
            "period_code": self.period_code,
            "current": self.current.to_dict(),
            "previous": self.previous.to_dict() if self.previous else None,
            "year_earlier": self.year_earlier.to_dict() if self.year_earlier else None,
            "population": self.population,
            "clients_per_1000": self.clients_per_1000,
            "change_threshold_percent": self.change_threshold_percent,
            "comparisons": [dataclasses.asdict(row) for row in self.comparisons],
            "notice": self.notice,
            "notes": [dict(note) for note in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadinessResult:
        def figures(value: dict[str, Any] | None) -> ReadinessFigures | None:
            return ReadinessFigures.from_dict(value) if value else None

        names = {f.name for f in dataclasses.fields(ComparisonRow)}
        current = ReadinessFigures.from_dict(data["current"])
        return cls(
            municipality_code=data["municipality_code"],
            period_code=data["period_code"],
            current=current,
            previous=figures(data.get("previous")),
            year_earlier=figures(data.get("year_earlier")),
            population=data.get("population"),
            clients_per_1000=data.get("clients_per_1000"),
            change_threshold_percent=data.get("change_threshold_percent", 20.0),
            comparisons=[
                ComparisonRow(**{k: v for k, v in row.items() if k in names})
                for row in data.get("comparisons", [])
            ],
            notice=data.get("notice", NOTICE),
            # Reports stored before the notes existed get them from their figures.
            notes=data.get("notes") or readiness_notes(current),
        )


def readiness_notes(
    figures: ReadinessFigures, spec: ProtocolSpec = SPEC_WMO_V1
) -> list[dict[str, str]]:
    """How the op-orde figures are counted, in Dutch, with this period's dates and numbers."""
    period = parse_period(figures.period_code)
    first = dutch.date(period.start) if period else "de eerste dag"
    last = dutch.date(period.end) if period else "de laatste dag"
    start, end = spec.figures.start, spec.figures.end
    duplicate = next((r.code for r in spec.rules if r.kind == "duplicate_row"), "")
    same_key = next((r.code for r in spec.rules if r.kind == "duplicate_key"), "")
    return [
        {
            "term": "Maatwerkarrangementen",
            "text": "Eén record is één maatwerkarrangement. Alleen een regel die precies gelijk is "
            f"aan een eerdere regel (waarschuwing {duplicate}) telt niet opnieuw: "
            f"{dutch.number(figures.records_used)} records gebruikt − "
            f"{dutch.number(figures.duplicate_records)} dubbele regels = "
            f"{dutch.number(figures.arrangements)} maatwerkarrangementen. Records met dezelfde "
            f"cliënt, productcategorie en startdatum die verder verschillen (waarschuwing "
            f"{same_key}) tellen elk als een arrangement.",
        },
        {
            "term": FLOW_LABELS["started"],
            "text": f"De startdatum ({start[0]}, of als die leeg is {start[1]}) ligt tussen "
            f"{first} en {last}, beide meegerekend.",
        },
        {
            "term": FLOW_LABELS["ended"],
            "text": f"{end} ligt tussen {first} en {last}, beide meegerekend. "
            "Een arrangement dat op de laatste dag van de periode eindigt, telt als beëindigd.",
        },
        {
            "term": FLOW_LABELS["running"],
            "text": f"Lopend op de laatste dag van de periode ({last}): {end} is leeg of ligt na "
            f"{last}. Een einddatum op {last} zelf telt als beëindigd, niet als lopend.",
        },
    ]


def figure_lines(
    figures: ReadinessFigures, spec: ProtocolSpec = SPEC_WMO_V1
) -> list[tuple[str, str, int]]:
    """Every compared figure as (section, Dutch label, value), in report order (69 for wmo-v1)."""
    out: list[tuple[str, str, int]] = [
        ("Totaal", "Records gebruikt", figures.records_used),
        ("Totaal", "Unieke cliënten", figures.clients),
        ("Totaal", "Maatwerkarrangementen", figures.arrangements),
    ]
    for measure, section in (("clients", "Cliënten"), ("arrangements", "Arrangementen")):
        for group in spec.main_groups:
            value = figures.by_main_group.get(group, {}).get(measure, 0)
            out.append((f"{section} per hoofdgroep", group, value))
    for measure, section in (("clients", "Cliënten"), ("arrangements", "Arrangementen")):
        for code, name in spec.categories.items():
            value = figures.by_category.get(code, {}).get(measure, 0)
            out.append((f"{section} per productcategorie", f"{code} {name}", value))
    for key, label in FINANCING_LABELS.items():
        out.append(("Cliënten per financieringsvorm", label, figures.financing.get(key, 0)))
    for bucket in PER_CLIENT_BUCKETS:
        label = f"{bucket} arrangement" + ("" if bucket == "1" else "en")
        out.append(
            (
                "Cliënten naar aantal arrangementen",
                label,
                figures.arrangements_per_client.get(bucket, 0),
            )
        )
    for measure, section in (("arrangements", "arrangementen"), ("clients", "cliënten")):
        for key, label in FLOW_LABELS.items():
            value = figures.flows.get(key, {}).get(measure, 0)
            out.append((f"Instroom en uitstroom ({section})", label, value))
    for code in (*spec.reasons, ""):
        label = reason_label(code, spec)
        out.append(
            ("Beëindigd per reden (arrangementen)", label, figures.ended_by_reason.get(code, 0))
        )
    return out


def reason_label(code: str, spec: ProtocolSpec = SPEC_WMO_V1) -> str:
    """'01 Doel bereikt'; the empty code (reden not filled) is 'Niet ingevuld'."""
    return f"{code} {spec.reasons[code]}" if code else NO_REASON


def _change(current: int, before: int | None) -> tuple[int | None, float | None]:
    if before is None:
        return None, None
    return current - before, (100.0 * (current - before) / before) if before else None


def build_readiness(
    current: ReadinessFigures,
    previous: ReadinessFigures | None,
    year_earlier: ReadinessFigures | None,
    *,
    population: int | None,
    change_threshold_percent: float = 20.0,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> ReadinessResult:
    """Compare this period with the previous half year and the same half year a year earlier."""
    result = ReadinessResult(
        municipality_code=current.municipality_code,
        period_code=current.period_code,
        current=current,
        previous=previous,
        year_earlier=year_earlier,
        population=population,
        change_threshold_percent=change_threshold_percent,
        notes=readiness_notes(current, spec),
    )
    if population:
        result.clients_per_1000 = round(1000.0 * current.clients / population, 2)
    before = {
        "vorig halfjaar": {(s, label): v for s, label, v in figure_lines(previous, spec)}
        if previous
        else None,
        "een jaar eerder": {(s, label): v for s, label, v in figure_lines(year_earlier, spec)}
        if year_earlier
        else None,
    }
    for section, label, value in figure_lines(current, spec):
        row = ComparisonRow(section=section, label=label, current=value)
        reasons, markers = [], []
        for name, lookup in before.items():
            if lookup is None:
                continue
            old = lookup.get((section, label), 0)
            change, percent = _change(value, old)
            if name == "vorig halfjaar":
                row.previous, row.previous_change = old, change
                row.previous_change_percent = percent
            else:
                row.year_earlier, row.year_earlier_change = old, change
                row.year_earlier_change_percent = percent
            if old > 0 and value == 0:
                markers.append(FELL_TO_ZERO)
                reasons.append(f"gedaald naar 0 (t.o.v. {name})")
            elif old == 0 and value > 0:
                markers.append(APPEARED)
                reasons.append(f"nieuw: was 0 {name}")
            elif percent is not None and abs(percent) > change_threshold_percent:
                markers.append(CHANGED)
                reasons.append(f"{dutch.percent(percent, signed=True)} t.o.v. {name}")
        row.flagged = bool(reasons)
        row.reason = "; ".join(reasons)
        row.marker = next((m for m in (FELL_TO_ZERO, APPEARED, CHANGED) if m in markers), "")
        result.comparisons.append(row)
    return result
