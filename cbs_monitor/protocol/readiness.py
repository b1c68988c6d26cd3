"""The op-orde rapport as data: this period's figures next to the previous half year and a year earlier."""

from __future__ import annotations

import dataclasses
from typing import Any

from cbs_monitor.protocol.figures import PER_CLIENT_BUCKETS, ReadinessFigures
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


@dataclasses.dataclass
class ComparisonRow:
    """One figure in three periods; `flagged` when it moved more than the threshold or fell to 0."""

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
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadinessResult:
        def figures(value: dict[str, Any] | None) -> ReadinessFigures | None:
            return ReadinessFigures.from_dict(value) if value else None

        return cls(
            municipality_code=data["municipality_code"],
            period_code=data["period_code"],
            current=ReadinessFigures.from_dict(data["current"]),
            previous=figures(data.get("previous")),
            year_earlier=figures(data.get("year_earlier")),
            population=data.get("population"),
            clients_per_1000=data.get("clients_per_1000"),
            change_threshold_percent=data.get("change_threshold_percent", 20.0),
            comparisons=[ComparisonRow(**row) for row in data.get("comparisons", [])],
            notice=data.get("notice", NOTICE),
        )


def figure_lines(
    figures: ReadinessFigures, spec: ProtocolSpec = SPEC_WMO_V1
) -> list[tuple[str, str, int]]:
    """Every compared figure as (section, Dutch label, value), in report order."""
    out: list[tuple[str, str, int]] = [
        ("Totaal", "Records gebruikt", figures.records_used),
        ("Totaal", "Unieke cliënten", figures.clients),
        ("Totaal", "Maatwerkarrangementen", figures.arrangements),
    ]
    for group in spec.main_groups:
        out.append(
            (
                "Cliënten per hoofdgroep",
                group,
                figures.by_main_group.get(group, {}).get("clients", 0),
            )
        )
    for code, name in spec.categories.items():
        value = figures.by_category.get(code, {}).get("clients", 0)
        out.append(("Cliënten per productcategorie", f"{code} {name}", value))
    for code, name in spec.categories.items():
        value = figures.by_category.get(code, {}).get("arrangements", 0)
        out.append(("Arrangementen per productcategorie", f"{code} {name}", value))
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
    for key, label in FLOW_LABELS.items():
        out.append(
            (
                "Instroom en uitstroom (arrangementen)",
                label,
                figures.flows.get(key, {}).get("arrangements", 0),
            )
        )
    return out


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
    )
    if population:
        result.clients_per_1000 = round(1000.0 * current.clients / population, 2)
    before = {
        "previous": {(s, label): v for s, label, v in figure_lines(previous, spec)}
        if previous
        else None,
        "year": {(s, label): v for s, label, v in figure_lines(year_earlier, spec)}
        if year_earlier
        else None,
    }
    for section, label, value in figure_lines(current, spec):
        row = ComparisonRow(section=section, label=label, current=value)
        reasons = []
        for which, lookup in before.items():
            if lookup is None:
                continue
            old = lookup.get((section, label), 0)
            change, percent = _change(value, old)
            if which == "previous":
                row.previous, row.previous_change, row.previous_change_percent = (
                    old,
                    change,
                    percent,
                )
                name = "vorig halfjaar"
            else:
                row.year_earlier, row.year_earlier_change, row.year_earlier_change_percent = (
                    old,
                    change,
                    percent,
                )
                name = "een jaar eerder"
            if old > 0 and value == 0:
                reasons.append(f"gedaald naar 0 (t.o.v. {name})")
            elif percent is not None and abs(percent) > change_threshold_percent:
                reasons.append(f"{percent:+.0f}% t.o.v. {name}")
        row.flagged = bool(reasons)
        row.reason = "; ".join(reasons)
        result.comparisons.append(row)
    return result
