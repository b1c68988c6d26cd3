"""What the Aanleveren tab shows of a delivery: the browser's upload rules, the receipt, where
the check stands, and the technical report as the screen lists it."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from cbs_monitor import clock, dutch, glossary, protocol
from cbs_monitor.models import Delivery, Municipality
from cbs_monitor.protocol import TechnicalResult
from cbs_monitor.settings import get_settings


@dataclasses.dataclass(frozen=True)
class UploadRules:
    """What the browser checks before sending (the server checks it all again)."""

    accept: dict[str, list[str]]
    max_bytes: int
    max_text: str  # "2,5 MB"
    name_pattern_js: str  # the protocol's file-name pattern as a JavaScript regular expression
    name_template: str
    name_example: str


def upload_rules() -> UploadRules:
    spec = protocol.SPEC_WMO_V1
    settings = get_settings()
    types = {"text/csv": [".csv"], "text/plain": [".txt"]}
    accept = {
        **{kind: ext for kind, ext in types.items() if ext[0] in spec.text_extensions},
        "application/zip": [spec.archive_extension],
        "application/x-zip-compressed": [spec.archive_extension],
    }
    return UploadRules(
        accept=accept,
        max_bytes=settings.max_upload_bytes,
        max_text=dutch.file_size(settings.max_upload_bytes),
        # Python's named groups (?P<name>…) are (?<name>…) in JavaScript.
        name_pattern_js="^" + spec.filename_pattern.replace("(?P<", "(?<") + "$",
        name_template="WMO_<gemeentecode>_<JJJJ>H<1|2>_<JJJJMMDD>.csv",
        name_example=spec.filename_example,
    )


@dataclasses.dataclass(frozen=True)
class SummaryLine:
    label: str
    value: str


@dataclasses.dataclass(frozen=True)
class FindingRow:
    code: str
    severity: str
    message: str
    count: str


@dataclasses.dataclass(frozen=True)
class SentView:
    """The technical report on the Aanleveren tab, as soon as it is there."""

    verdict: str
    filename: str
    stored: bool
    # Set when the file was for another municipality than the one chosen (a coordinator's).
    municipality_note: str
    summary: tuple[SummaryLine, ...]
    findings: tuple[FindingRow, ...]
    # More findings than shown: the downloaded report has them all.
    more_findings: str
    delivery_id: int
    report_id: int  # the stored technical report (0 when refused: nothing is stored)
    municipality_code: str  # whom it is recorded for (the report's download asks for it)


MAX_FINDINGS_ON_SCREEN = 200


def municipality_label(db: Session, code: str | None) -> str:
    if not code:
        return "onbekend"
    municipality = db.get(Municipality, code)
    return f"{municipality.name} ({code})" if municipality else code


def sent_view(
    db: Session,
    result: TechnicalResult,
    delivery: Delivery | None,
    *,
    report_id: int = 0,
    municipality_note: str = "",
) -> SentView:
    received = delivery.received_at if delivery else clock.now()
    shown = result.findings[:MAX_FINDINGS_ON_SCREEN]
    hidden = len(result.findings) - len(shown)
    return SentView(
        verdict=result.status,
        filename=result.filename,
        stored=delivery is not None,
        municipality_note=municipality_note,
        summary=(
            SummaryLine(
                "Gemeente",
                municipality_label(
                    db, delivery.municipality_code if delivery else result.municipality_code
                ),
            ),
            SummaryLine(
                "Verslagperiode",
                (delivery.period_code if delivery else result.period_code) or "onbekend",
            ),
            SummaryLine(glossary.RECORDS_READ, dutch.number(result.records_read)),
            SummaryLine(glossary.RECORDS_VALID, dutch.number(result.records_valid)),
            SummaryLine(glossary.RECORDS_WITH_ERRORS, dutch.number(result.records_with_errors)),
            SummaryLine(glossary.RECORDS_OUT_OF_PERIOD, dutch.number(result.records_out_of_period)),
            SummaryLine("Ontvangen", clock.format_local(received)),
        ),
        findings=tuple(
            FindingRow(f.code, f.severity, f.describe(), dutch.number(f.count)) for f in shown
        ),
        more_findings=(
            f"En nog {dutch.plural(hidden, 'melding', 'meldingen')}: download het Technisch "
            "rapport voor de volledige lijst."
            if hidden > 0
            else ""
        ),
        delivery_id=delivery.id if delivery else 0,
        report_id=report_id,
        municipality_code=(delivery.municipality_code if delivery else "")
        or result.municipality_code
        or "",
    )


@dataclasses.dataclass(frozen=True)
class ReceiptView:
    """The ontvangstbevestiging, shown the moment the file is stored."""

    delivery_id: int
    filename: str
    municipality: str  # "Amsterdam (0363)"
    period_code: str
    received_at: str  # "01-12-2026 14:03"
    size: str  # "2,4 MB (2.512.345 bytes)"
    sha256: str
    municipality_note: str


@dataclasses.dataclass(frozen=True)
class SendView:
    """What sending gives: a receipt (the report follows), or at once the Geweigerd report of an
    upload that is not stored."""

    receipt: ReceiptView | None
    refused: SentView | None


@dataclasses.dataclass(frozen=True)
class ProgressView:
    """Where a received delivery stands: in the queue (and how far back), being validated, done
    (its technical report), or ended in a technical error."""

    stage: str  # "wachtrij" | "controle" | "klaar" | "fout"
    text: str
    report: SentView | None
