"""One municipality for CBS: its deliveries with both reports, findings, withdrawals, Berichtenlog."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from cbs_monitor import clock, dutch
from cbs_monitor.models import (
    Delegation,
    Delivery,
    DeliveryStatus,
    Message,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
    User,
    WithdrawalPart,
)
from cbs_monitor.protocol import TechnicalResult
from cbs_monitor.services import readiness_reports, withdrawals
from cbs_monitor.services.message_log import MessageRow, grouped_rows, page_count
from cbs_monitor.services.permissions import Actor, delegating_codes
from cbs_monitor.services.review import decisions
from cbs_monitor.services.review import periods as review_periods
from cbs_monitor.services.review.common import (
    VERDICT_LABELS,
    ReportCell,
    ReportSummary,
    ReviewRefused,
    aware,
    chunks,
    municipality_or_refuse,
    report_cell,
    require_reviewer,
)

MESSAGE_PAGE_SIZE = 25


@dataclasses.dataclass(frozen=True)
class DeliveryDetail:
    """One delivery with both reports, as the municipality page shows it."""

    delivery_id: int
    filename: str
    period_code: str
    received_at: dt.datetime
    delivered_by: str
    delivered_by_user: str
    status: DeliveryStatus  # the validator's verdict
    effective: DeliveryStatus  # after a CBS override
    override_reason: str
    override_by: str
    replaced: bool
    counts: bool  # the delivery that counts for its period
    records_read: int
    records_valid: int
    records_with_errors: int
    finding_count: int
    technical: ReportSummary | None
    readiness: ReportSummary | None


@dataclasses.dataclass(frozen=True)
class MunicipalityFile:
    code: str
    name: str
    delegating: bool
    cooperative: str  # name of the samenwerkingsverband it delegates to ("" when none)
    deliveries: list[DeliveryDetail]


def _cooperative_of(db: Session, code: str) -> str:
    found = db.exec(
        select(Organisation.name)
        .join(Delegation, col(Delegation.organisation_id) == Organisation.id)
        .where(Delegation.municipality_code == code, Delegation.in_force_clause(clock.today()))
    ).first()
    return found or ""


def municipality_file(
    db: Session, actor: Actor | None, code: str, period_code: str | None = None, limit: int = 100
) -> MunicipalityFile:
    """Every delivery of a municipality (optionally of one period), newest first, with both reports."""
    require_reviewer(actor)
    municipality = municipality_or_refuse(db, code)
    query = select(Delivery).where(Delivery.municipality_code == code)
    if period_code:
        query = query.where(Delivery.period_code == period_code)
    rows = db.exec(
        query.order_by(col(Delivery.received_at).desc(), col(Delivery.id).desc()).limit(limit)
    ).all()
    ids = [r.id for r in rows if r.id is not None]
    reports: dict[tuple[int, ReportKind], tuple[ReportSummary, int]] = {}
    now = clock.now()
    for chunk in chunks(ids):
        for report in db.exec(select(Report).where(col(Report.delivery_id).in_(chunk))).all():
            findings = (
                len(report.content.get("findings", []))
                if report.kind == ReportKind.technical
                else 0
            )
            summary = ReportSummary.of(
                report.id or 0,
                report.status,
                report.created_at,
                report.released_at,
                report.due_at,
                now,
            )
            reports[(report.delivery_id, report.kind)] = (summary, findings)
    org_ids = {r.organisation_id for r in rows}
    user_ids = {u for r in rows for u in (r.user_id, r.override_by_user_id) if u is not None}
    orgs = dict(
        db.exec(
            select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(org_ids))
        ).all()
    )
    users = dict(db.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    counting: dict[str, int | None] = {}
    for period in {r.period_code for r in rows}:
        current = readiness_reports.current_delivery(db, code, period)
        counting[period] = current.id if current else None
    details = []
    for r in rows:
        assert r.id is not None
        technical = reports.get((r.id, ReportKind.technical))
        readiness = reports.get((r.id, ReportKind.readiness))
        details.append(
            DeliveryDetail(
                delivery_id=r.id,
                filename=r.filename,
                period_code=r.period_code,
                received_at=aware(r.received_at) or r.received_at,
                delivered_by=orgs.get(r.organisation_id, ""),
                delivered_by_user=users.get(r.user_id, "") if r.user_id else "",
                status=r.status,
                effective=r.effective_status,
                override_reason=r.override_reason or "",
                override_by=users.get(r.override_by_user_id, "") if r.override_by_user_id else "",
                replaced=r.replaced_by_id is not None,
                counts=counting.get(r.period_code) == r.id,
                records_read=r.records_read,
                records_valid=r.records_valid,
                records_with_errors=r.records_with_errors,
                finding_count=technical[1] if technical else 0,
                technical=technical[0] if technical else None,
                readiness=readiness[0] if readiness else None,
            )
        )
    delegating = code in delegating_codes(db)
    return MunicipalityFile(
        code=code,
        name=municipality.name,
        delegating=delegating,
        cooperative=_cooperative_of(db, code) if delegating else "",
        deliveries=details,
    )


@dataclasses.dataclass(frozen=True)
class FindingLine:
    severity: str
    text: str
    count: int


def findings(db: Session, actor: Actor | None, delivery_id: int) -> list[FindingLine]:
    """The findings of a delivery's technical report (never a BSN: reports hold none by design)."""
    require_reviewer(actor)
    report = readiness_reports.report_of(db, int(delivery_id), ReportKind.technical)
    if report is None:
        raise ReviewRefused("Deze aanlevering heeft geen Technisch rapport.")
    result = TechnicalResult.from_dict(report.content)
    # Errors first; within each severity the validator's order.
    ordered = sorted(result.findings, key=lambda f: f.severity != "fout")
    return [FindingLine(severity=f.severity, text=f.describe(), count=f.count) for f in ordered]


def withdrawal_state(
    db: Session, actor: Actor | None, code: str, period_code: str
) -> dict[WithdrawalPart, bool]:
    require_reviewer(actor)
    municipality_or_refuse(db, code)
    return withdrawals.selection(db, code, period_code)


@dataclasses.dataclass(frozen=True)
class WithdrawalHistoryLine:
    changed_at: dt.datetime
    period_code: str
    part: str
    withdrawn: bool
    source: str
    user: str
    reason: str


def withdrawal_history(db: Session, actor: Actor | None, code: str) -> list[WithdrawalHistoryLine]:
    require_reviewer(actor)
    municipality_or_refuse(db, code)
    changes = withdrawals.history(db, code)
    user_ids = {c.user_id for c in changes if c.user_id is not None}
    users = dict(db.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    return [
        WithdrawalHistoryLine(
            changed_at=aware(c.changed_at) or c.changed_at,
            period_code=c.period_code,
            part=withdrawals.PART_LABELS[c.part],
            withdrawn=c.withdrawn,
            source="formulier CBS" if c.source == withdrawals.FORM_SOURCE else "portaal",
            user=users.get(c.user_id, "") if c.user_id else "",
            reason=c.reason or "",
        )
        for c in changes
    ]


def message_page(db: Session, actor: Actor | None, code: str, page: int = 1) -> MessagePage:
    """The Berichtenlog of a municipality, newest first, one page at a time."""
    require_reviewer(actor)
    municipality_or_refuse(db, code)
    total = db.exec(
        select(func.count()).select_from(Message).where(Message.municipality_code == code)
    ).one()
    pages = page_count(total, MESSAGE_PAGE_SIZE)
    page = min(max(1, int(page)), pages)
    rows = db.exec(
        select(Message)
        .where(Message.municipality_code == code)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .offset((page - 1) * MESSAGE_PAGE_SIZE)
        .limit(MESSAGE_PAGE_SIZE)
    ).all()
    return MessagePage(grouped_rows(list(rows)), total, page, pages)


@dataclasses.dataclass(frozen=True)
class MessagePage:
    rows: tuple[MessageRow, ...]
    total: int
    page: int
    page_count: int


# --- the page -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DeliveryLine:
    """One delivery on the municipality page, with the decisions CBS can take on it."""

    delivery_id: int
    filename: str
    period: str
    received: str
    delivered_by: str
    verdict: str
    overridden: bool
    override_note: str
    replaced: bool
    counts: bool
    records: str
    findings: str
    can_override: bool
    override_to: str
    can_release: bool
    can_hold: bool
    technical: ReportCell
    readiness: ReportCell


def delivery_line(d: DeliveryDetail) -> DeliveryLine:
    readiness_status = d.readiness.status if d.readiness else None
    return DeliveryLine(
        delivery_id=d.delivery_id,
        filename=d.filename,
        period=d.period_code,
        received=clock.format_local(d.received_at),
        delivered_by=d.delivered_by + (f" ({d.delivered_by_user})" if d.delivered_by_user else ""),
        verdict=VERDICT_LABELS.get(d.effective, "ontvangen"),
        overridden=d.effective != d.status,
        override_note=f"CBS ({d.override_by}): {d.override_reason}" if d.override_reason else "",
        replaced=d.replaced,
        counts=d.counts,
        records=(
            f"{dutch.number(d.records_read)} gelezen, "
            f"{dutch.number(d.records_with_errors)} met fouten"
        ),
        findings=dutch.number(d.finding_count),
        # The override goes to the opposite verdict; a file still being checked has none yet.
        can_override=d.technical is not None and d.effective != DeliveryStatus.received,
        override_to=VERDICT_LABELS[
            DeliveryStatus.rejected
            if d.effective == DeliveryStatus.approved
            else DeliveryStatus.approved
        ],
        can_release=readiness_status == ReportStatus.held,
        can_hold=readiness_status == ReportStatus.ready,
        technical=report_cell(d.technical),
        readiness=report_cell(d.readiness),
    )


@dataclasses.dataclass(frozen=True)
class HistoryLine:
    when: str
    period: str
    part: str
    choice: str
    source: str
    user: str
    reason: str


@dataclasses.dataclass(frozen=True)
class MunicipalityPage:
    code: str
    name: str
    delegating: bool
    cooperative: str
    deliveries: tuple[DeliveryLine, ...]
    period_options: tuple[str, ...]
    withdrawal_period: str
    withdrawal_parts: tuple[withdrawals.PartChoice, ...]
    history: tuple[HistoryLine, ...]
    messages: MessagePage


def withdrawal_parts(
    db: Session, actor: Actor, code: str, period_code: str
) -> tuple[withdrawals.PartChoice, ...]:
    """The current choice per onderdeel for a period (CBS registers form withdrawals on it)."""
    if not period_code:
        return ()
    chosen = withdrawal_state(db, actor, code, period_code)
    return withdrawals.part_choices(chosen)


def municipality_page(
    db: Session, actor: Actor, code: str, *, withdrawal_period: str = "", messages_page: int = 1
) -> MunicipalityPage:
    """Everything /cbs/gemeente/<code> shows, checked for a CBS reviewer."""
    file = municipality_file(db, actor, code)
    options = tuple(p.code for p in review_periods.period_list(db, actor))
    if withdrawal_period not in options:
        withdrawal_period = review_periods.default_withdrawal_period(db) or ""
    history = tuple(
        HistoryLine(
            when=clock.format_local(h.changed_at),
            period=h.period_code,
            part=h.part,
            choice=withdrawals.choice_label(h.withdrawn),
            source=h.source,
            user=h.user,
            reason=h.reason,
        )
        for h in withdrawal_history(db, actor, code)
    )
    return MunicipalityPage(
        code=file.code,
        name=file.name,
        delegating=file.delegating,
        cooperative=file.cooperative,
        deliveries=tuple(delivery_line(d) for d in file.deliveries),
        period_options=options,
        withdrawal_period=withdrawal_period,
        withdrawal_parts=withdrawal_parts(db, actor, code, withdrawal_period),
        history=history,
        messages=message_page(db, actor, code, messages_page),
    )


@dataclasses.dataclass(frozen=True)
class FindingsView:
    delivery_id: int
    title: str
    lines: tuple[FindingLine, ...]


def findings_view(db: Session, actor: Actor, code: str, delivery_id: int) -> FindingsView:
    """The findings of one delivery of this municipality (a delivery of another one is refused)."""
    require_reviewer(actor)
    delivery = db.get(Delivery, int(delivery_id))
    if delivery is None or delivery.municipality_code != code:
        raise ReviewRefused("Deze aanlevering hoort niet bij deze gemeente.")
    return FindingsView(delivery_id, delivery.filename, tuple(findings(db, actor, delivery_id)))


# --- decisions taken on the page --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PageAfterDecision:
    done: str  # what the reviewer is told
    page: MunicipalityPage


def take_decision(
    db: Session,
    actor: Actor,
    code: str,
    kind: str,
    target_id: int,
    reason: str,
    *,
    withdrawal_period: str = "",
) -> PageAfterDecision:
    """Override, release or hold as confirmed in the dialog; the page as it is afterwards."""
    done = decisions.decide(db, actor, code, kind, target_id, reason)
    return PageAfterDecision(
        done, municipality_page(db, actor, code, withdrawal_period=withdrawal_period)
    )


def register_form_withdrawal(
    db: Session, actor: Actor, code: str, period_code: str, choices: dict[str, str], reason: str
) -> PageAfterDecision:
    """A withdrawal CBS received through its form; choices are part -> publiceren/intrekken."""
    if any(value not in (withdrawals.PUBLISH, withdrawals.WITHDRAW) for value in choices.values()):
        raise ReviewRefused("Kies per onderdeel publiceren of intrekken.")
    wanted = {part: value == withdrawals.WITHDRAW for part, value in choices.items()}
    changed = decisions.register_form_withdrawal(db, actor, code, period_code, wanted, reason)
    done = (
        f"Intrekking geregistreerd ({dutch.plural(len(changed), 'onderdeel', 'onderdelen')} "
        "gewijzigd). De gemeente is op de hoogte gebracht."
    )
    return PageAfterDecision(
        done, municipality_page(db, actor, code, withdrawal_period=period_code)
    )
