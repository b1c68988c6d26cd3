"""What a validation gets (ValidationContext) and gives (TechnicalResult with its Findings)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from cbs_monitor import dutch
from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.protocol.municipalities import known_municipality_codes
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1

# The three verdicts of a technisch rapport, in one vocabulary for the screen, the .xlsx,
# `validate --json`, mails and /cbs: Geweigerd means refused before the content was read.
GOEDGEKEURD = "Goedgekeurd"
AFGEKEURD = "Afgekeurd"
GEWEIGERD = "Geweigerd"
STATUSES = (GOEDGEKEURD, AFGEKEURD, GEWEIGERD)
MAX_LINES = 10
# Words a message may start with that read on in lower case after "Regel 5: "; anything else
# (a column name such as Gemeentecode, an acronym such as BSN) keeps its case.
_LOWERABLE = frozenset({"De", "Het", "Een", "Dit", "Deze", "Dezelfde", "Er", "U"})


@dataclasses.dataclass(frozen=True)
class ValidationContext:
    """Who delivers when: the facts outside the file that the checks need.

    The portal and the offline `cbs-monitor validate` build it with `from_settings`, so both use
    the same size limit and error threshold.

    - `upload_date`: the aanmaakdatum in a file name may not be after it (F005).
    - `known_municipality_codes`: a code in a file name outside it is F004 (a finding, not a
      refusal); the content is then checked against `fallback_municipality_code`.
    - `allowed_municipality_codes`: a known code (from the name, else the fallback) outside it
      refuses the upload (F006, Geweigerd). None: anyone may deliver for any municipality.
    - `open_period_codes`: a period (from the name, else the fallback) outside it is F007 (a
      finding). None: the delivery window is not checked.
    - `error_threshold_percent`: more records with a record error than this → F040, Afgekeurd.
    - `max_upload_bytes`: a larger upload is refused (F002); replaces the spec's size limit.
    - `fallback_municipality_code` / `fallback_period_code`: what the rows are compared with
      (F034/F035, the period scope and the figures) when the file name does not yield a valid
      code or period; None: those comparisons are skipped.
    """

    upload_date: dt.date = dataclasses.field(default_factory=dt.date.today)
    known_municipality_codes: frozenset[str] = dataclasses.field(
        default_factory=known_municipality_codes
    )
    # None: anyone may deliver for any municipality (offline use).
    allowed_municipality_codes: frozenset[str] | None = None
    # None: the delivery window is not checked (offline use).
    open_period_codes: frozenset[str] | None = None
    error_threshold_percent: float = SPEC_WMO_V1.error_threshold_percent
    max_upload_bytes: int = SPEC_WMO_V1.max_upload_bytes
    fallback_municipality_code: str | None = None
    fallback_period_code: str | None = None

    @classmethod
    def from_settings(cls, settings: Any, **facts: Any) -> ValidationContext:
        """The context with the configured size limit and error threshold (a Settings object);
        `facts` are the other fields (upload_date, allowed_municipality_codes, ...)."""
        facts.setdefault("max_upload_bytes", settings.max_upload_bytes)
        facts.setdefault("error_threshold_percent", settings.error_threshold_percent)
        return cls(**facts)


@dataclasses.dataclass(frozen=True)
class Admission:
    """What the checks before reading say: the Geweigerd report when the upload may not be
    received at all, else whom and which period its name(s) name (None where they do not)."""

    refused: TechnicalResult | None = None
    municipality_code: str | None = None
    period_code: str | None = None


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
            # Line numbers stay plain (what an editor's "go to line" takes); counts are Dutch.
            shown = ", ".join(str(n) for n in self.lines)
            more = self.count - len(self.lines)
            label = "regel" if len(self.lines) == 1 else "regels"
            where.append(
                f"{label} {shown}" + (f" (en {dutch.number(more)} meer)" if more > 0 else "")
            )
        if self.column:
            where.append(f"kolom {self.column}")
        if not where:
            return self.message
        where[0] = where[0][0].upper() + where[0][1:]
        text = self.message
        # "Het BSN ..." reads on as "het BSN ..."; column names and acronyms keep their case.
        if text.split(" ", 1)[0] in _LOWERABLE:
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
    # GOEDGEKEURD, AFGEKEURD, or GEWEIGERD: refused before the content was read (type/extension,
    # size, a hostile or broken ZIP, a municipality the uploader may not deliver for).
    status: str = AFGEKEURD
    # The municipality the file name (for a ZIP: its entries, all naming the same one) names,
    # when that is a known code; else None (the content was then checked against the context's
    # fallback_municipality_code).
    municipality_code: str | None = None
    # The period the name(s) name, when valid; for an H2 delivery with an H1 redo in the ZIP:
    # the H2 period. None when no name yields a valid period or a ZIP combines periods wrongly.
    period_code: str | None = None
    # Every period the rows were checked against (from the names, else the fallback), sorted.
    period_codes: list[str] = dataclasses.field(default_factory=list)
    # True when every file name follows the pattern with a known municipality and a real,
    # not future aanmaakdatum (for a ZIP also: one municipality, an allowed period combination).
    name_valid: bool = False
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
    def refused(self) -> bool:
        """Refused before the content was read (status Geweigerd); nothing in it may be stored."""
        return self.status == GEWEIGERD

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
        # Derived, but written out for readers of the JSON (validate --json, stored reports).
        data["refused"] = self.refused
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TechnicalResult:
        """A stored result; dicts written before Geweigerd and name_valid existed read as well."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if data.get("refused") and values.get("status") == AFGEKEURD:
            values["status"] = GEWEIGERD
        if "name_valid" not in data:
            # Before name_valid, a result named a municipality and period only for a valid name.
            values["name_valid"] = bool(data.get("municipality_code") and data.get("period_code"))
        values["findings"] = [Finding.from_dict(f) for f in data.get("findings", [])]
        values["files"] = [FileSummary(**f) for f in data.get("files", [])]
        values["figures_by_period"] = {
            k: ReadinessFigures.from_dict(v) for k, v in data.get("figures_by_period", {}).items()
        }
        return cls(**values)
