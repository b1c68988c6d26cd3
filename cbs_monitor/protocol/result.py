"""What a validation gets (ValidationContext) and gives (TechnicalResult with its Findings)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.protocol.municipalities import known_municipality_codes

GOEDGEKEURD = "Goedgekeurd"
AFGEKEURD = "Afgekeurd"
MAX_LINES = 10


@dataclasses.dataclass(frozen=True)
class ValidationContext:
    """Who delivers when: the facts outside the file that the checks need."""

    upload_date: dt.date = dataclasses.field(default_factory=dt.date.today)
    known_municipality_codes: frozenset[str] = dataclasses.field(
        default_factory=known_municipality_codes
    )
    # None: anyone may deliver for any municipality (offline use).
    allowed_municipality_codes: frozenset[str] | None = None
    # None: the delivery window is not checked (offline use).
    open_period_codes: frozenset[str] | None = None
    error_threshold_percent: float = 5.0


@dataclasses.dataclass
class Finding:
    """One check that failed: how often, where first (file line numbers, header = 1), and in which column."""

    code: str
    severity: str  # "fout" or "waarschuwing"
    level: str  # "bestand" or "record"
    message: str
    count: int = 1
    lines: list[int] = dataclasses.field(default_factory=list)
    column: str | None = None
    # The ZIP entry the finding is about; None for the uploaded file itself.
    file: str | None = None

    def describe(self) -> str:
        """The finding as one Dutch sentence, e.g. "Regel 5, kolom BSN: het BSN voldoet niet aan de elfproef."."""
        where = []
        if self.file:
            where.append(f"bestand {self.file}")
        if self.lines:
            shown = ", ".join(str(n) for n in self.lines)
            more = self.count - len(self.lines)
            label = "regel" if len(self.lines) == 1 else "regels"
            where.append(f"{label} {shown}" + (f" (en {more} meer)" if more > 0 else ""))
        if self.column:
            where.append(f"kolom {self.column}")
        if not where:
            return self.message
        where[0] = where[0][0].upper() + where[0][1:]
        text = self.message
        first = text.split(" ", 1)[0]
        # "Het BSN ..." reads on as "het BSN ..."; column names and acronyms keep their case.
        if first[:1].isupper() and first[1:].islower() and "_" not in first:
            text = text[0].lower() + text[1:]
        return ", ".join(where) + ": " + text

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclasses.dataclass
class FileSummary:
    """One delivered text file (the upload itself, or an entry of a ZIP)."""

    name: str
    records: int = 0
    records_with_errors: int = 0
    municipality_code: str | None = None
    period_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TechnicalResult:
    """The technisch rapport of one upload, JSON-serialisable; it never holds a BSN."""

    filename: str
    size: int
    sha256: str
    status: str = AFGEKEURD
    # True when the upload was refused before its content was checked (type, size, name, ZIP rules).
    refused: bool = False
    municipality_code: str | None = None
    # The delivered period; for an H2 delivery with an H1 redo in the ZIP: the H2 period.
    period_code: str | None = None
    period_codes: list[str] = dataclasses.field(default_factory=list)
    records_read: int = 0
    records_valid: int = 0
    records_with_errors: int = 0
    # Valid records outside the reporting period (counted, not used in the figures).
    records_out_of_period: int = 0
    error_threshold_percent: float = 5.0
    findings: list[Finding] = dataclasses.field(default_factory=list)
    files: list[FileSummary] = dataclasses.field(default_factory=list)
    # Op-orde figures per period, from the valid in-period records (present unless refused).
    figures_by_period: dict[str, ReadinessFigures] = dataclasses.field(default_factory=dict)
    spec_version: str = "wmo-v1"

    @property
    def approved(self) -> bool:
        return self.status == GOEDGEKEURD

    @property
    def figures(self) -> ReadinessFigures | None:
        """The figures of the delivered period (period_code)."""
        return self.figures_by_period.get(self.period_code) if self.period_code else None

    @property
    def records_used(self) -> int:
        return self.records_valid - self.records_out_of_period

    @property
    def error_percent(self) -> float:
        return 100.0 * self.records_with_errors / self.records_read if self.records_read else 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "fout"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "waarschuwing"]

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["findings"] = [f.to_dict() for f in self.findings]
        data["files"] = [f.to_dict() for f in self.files]
        data["figures_by_period"] = {k: v.to_dict() for k, v in self.figures_by_period.items()}
        data["period_codes"] = list(self.period_codes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TechnicalResult:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["findings"] = [Finding.from_dict(f) for f in data.get("findings", [])]
        values["files"] = [FileSummary(**f) for f in data.get("files", [])]
        values["figures_by_period"] = {
            k: ReadinessFigures.from_dict(v) for k, v in data.get("figures_by_period", {}).items()
        }
        return cls(**values)
