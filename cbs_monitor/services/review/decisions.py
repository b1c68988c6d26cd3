"""CBS decisions: override a technical verdict, hold or release an op-orde report, a form withdrawal."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Report,
    ReportKind,
    ReportStatus,
    WithdrawalPart,
)
from cbs_monitor.protocol import TechnicalResult
from cbs_monitor.services import (
    deliveries,
    messages,
    notifications,
    readiness_reports,
    service_levels,
    withdrawals,
)
from cbs_monitor.services.permissions import Actor
from cbs_monitor.services.review.common import (
    VERDICT_LABELS,
    ReviewRefused,
    clean_reason,
    municipality_or_refuse,
    require_reviewer,
)
from cbs_monitor.settings import get_settings


def _decide(
    db: Session,
    actor: Actor,
    delivery: Delivery | None,
    code: str,
    period_code: str | None,
    subject: str,
    text: str,
    key: str,
) -> None:
    """Every CBS decision: a Berichtenlog line (cbs_besluit) and a mail to the municipality."""
    message = messages.log_message(
        db,
        code,
        messages.DECISION_KIND,
        text,
        period_code=period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id if delivery else None,
    )
    # The message id makes the mail key unique per decision, so a later decision mails again.
    notifications.cbs_decision(
        db,
        code,
        subject,
        text,
        key=f"{key}/{message.id if message else clock.now()}",
        period_code=period_code,
        delivery_id=delivery.id if delivery else None,
    )


def override_verdict(
    db: Session, actor: Actor | None, delivery_id: int, verdict: DeliveryStatus | str, reason: str
) -> Delivery:
    """CBS overrides the technical verdict of a delivery. Approval produces the op-orde report."""
    actor = require_reviewer(actor)
    try:
        verdict = DeliveryStatus(verdict)
    except ValueError:
        raise ReviewRefused("Kies goedgekeurd of afgekeurd.") from None
    if verdict not in VERDICT_LABELS:
        raise ReviewRefused("Kies goedgekeurd of afgekeurd.")
    text_reason = clean_reason(reason)
    delivery = db.get(Delivery, int(delivery_id))
    if delivery is None:
        raise ReviewRefused("Onbekende aanlevering.")
    if delivery.effective_status == verdict:
        raise ReviewRefused(f"Deze aanlevering is al {VERDICT_LABELS[verdict]}.")
    technical = readiness_reports.report_of(db, delivery.id, ReportKind.technical)
    if technical is None:
        raise ReviewRefused(
            "Deze aanlevering heeft nog geen Technisch rapport; wacht tot de controle klaar is."
        )
    # Back to the validator's own verdict clears the override instead of stacking one on top.
    delivery.override_status = None if verdict == delivery.status else verdict
    delivery.override_reason = text_reason
    delivery.override_by_user_id = actor.user_id
    db.add(delivery)
    # The municipality sees the verdict that holds in the Ophalen tab; the content keeps the validator's.
    technical.status = (
        ReportStatus.approved if verdict == DeliveryStatus.approved else ReportStatus.rejected
    )
    db.add(technical)
    db.flush()
    deliveries.recount_replacements(db, delivery.municipality_code, delivery.period_code)
    readiness = readiness_reports.report_of(db, delivery.id, ReportKind.readiness)
    if verdict == DeliveryStatus.approved:
        if readiness is None:
            readiness_reports.build_readiness_report(
                db, delivery, TechnicalResult.from_dict(technical.content)
            )
        elif readiness.status == ReportStatus.rejected:
            _reopen_readiness(db, delivery, readiness)
    elif readiness is not None and readiness.status == ReportStatus.held:
        # Nobody waits for the op-orde report of a rejected file: close it so no deadline runs on.
        # A report already released stays with the municipality (it may have been downloaded).
        readiness.status = ReportStatus.rejected
        db.add(readiness)
        db.flush()
    label = VERDICT_LABELS[verdict]
    _decide(
        db,
        actor,
        delivery,
        delivery.municipality_code,
        delivery.period_code,
        f"CBS heeft aanlevering {delivery.filename} {label}",
        f"CBS heeft het technisch oordeel over {delivery.filename} (periode {delivery.period_code}) "
        f"gewijzigd in {label}. Reden: {text_reason}",
        key=f"override/{delivery.id}",
    )
    return delivery


def _reopen_readiness(db: Session, delivery: Delivery, report: Report) -> None:
    """An op-orde report closed by an earlier rejection counts again: held or released as configured."""
    now = clock.now()
    report.due_at = service_levels.readiness_due(now)
    if get_settings().readiness_release == "review":
        report.status = ReportStatus.held
        db.add(report)
        db.flush()
        return
    report.status = ReportStatus.ready
    report.released_at = now
    db.add(report)
    db.flush()
    readiness_reports.release_effects(db, delivery, report)


def _readiness_report(db: Session, report_id: int) -> tuple[Report, Delivery]:
    report = db.get(Report, int(report_id))
    if report is None or report.kind != ReportKind.readiness:
        raise ReviewRefused("Onbekend Op orde rapport.")
    delivery = db.get(Delivery, report.delivery_id)
    assert delivery is not None  # foreign key
    return report, delivery


def release_readiness(db: Session, actor: Actor | None, report_id: int, reason: str) -> Report:
    """CBS releases a held op-orde report: the municipality can download it and gets the mails."""
    actor = require_reviewer(actor)
    text_reason = clean_reason(reason)
    report, delivery = _readiness_report(db, report_id)
    if report.status != ReportStatus.held:
        raise ReviewRefused("Dit Op orde rapport wacht niet op vrijgave.")
    if delivery.effective_status != DeliveryStatus.approved:
        raise ReviewRefused(
            "De aanlevering is afgekeurd; het Op orde rapport kan niet worden vrijgegeven."
        )
    now = clock.now()
    report.status = ReportStatus.ready
    report.released_at = now
    report.released_by_user_id = actor.user_id
    db.add(report)
    db.flush()
    readiness_reports.release_effects(db, delivery, report)
    _decide(
        db,
        actor,
        delivery,
        delivery.municipality_code,
        delivery.period_code,
        f"Op orde rapport van {delivery.filename} vrijgegeven",
        f"CBS heeft het Op orde rapport van {delivery.filename} (periode {delivery.period_code}) vrijgegeven. "
        f"Reden: {text_reason}",
        key=f"release/{report.id}",
    )
    return report


def hold_readiness(db: Session, actor: Actor | None, report_id: int, reason: str) -> Report:
    """CBS holds an op-orde report for review (takes a released one back from the municipality)."""
    actor = require_reviewer(actor)
    text_reason = clean_reason(reason)
    report, delivery = _readiness_report(db, report_id)
    if report.status != ReportStatus.ready:
        raise ReviewRefused("Dit Op orde rapport wordt al vastgehouden.")
    report.status = ReportStatus.held
    report.released_at = None
    report.released_by_user_id = None
    db.add(report)
    db.flush()
    _decide(
        db,
        actor,
        delivery,
        delivery.municipality_code,
        delivery.period_code,
        f"Op orde rapport van {delivery.filename} wordt beoordeeld",
        f"CBS houdt het Op orde rapport van {delivery.filename} (periode {delivery.period_code}) vast voor "
        f"beoordeling. U ontvangt bericht zodra het weer beschikbaar is. Reden: {text_reason}",
        key=f"hold/{report.id}",
    )
    return report


def register_form_withdrawal(
    db: Session,
    actor: Actor | None,
    code: str,
    period_code: str,
    choices: dict[WithdrawalPart | str, bool],
    reason: str,
) -> list[WithdrawalPart]:
    """Register a withdrawal CBS received through its form (the way for delegating municipalities)."""
    actor = require_reviewer(actor)
    municipality_or_refuse(db, code)
    text_reason = clean_reason(reason)
    try:
        wanted = {WithdrawalPart(part): bool(value) for part, value in choices.items()}
    except ValueError:
        raise ReviewRefused("Onbekend onderdeel.") from None
    try:
        changed = withdrawals.register_form_withdrawal(
            db, actor, code, period_code, wanted, text_reason
        )
    except withdrawals.WithdrawalRefused as refused:
        raise ReviewRefused(str(refused)) from None
    if not changed:
        raise ReviewRefused("Er is niets gewijzigd: de selectie was al zo.")
    summary = "; ".join(
        f"{withdrawals.PART_LABELS[p]}: {'ingetrokken' if wanted[p] else 'publiceren'}"
        for p in changed
    )
    _decide(
        db,
        actor,
        None,
        code,
        period_code,
        f"Intrekking voor periode {period_code} geregistreerd",
        f"CBS heeft uw intrekkingsformulier voor periode {period_code} verwerkt: {summary}. "
        f"Reden: {text_reason}",
        key=f"form-withdrawal/{code}/{period_code}",
    )
    return changed


# --- the decision dialog of the municipality page ------------------------------------------

OVERRIDE, RELEASE, HOLD = "override", "release", "hold"
DECISION_TITLES = {
    OVERRIDE: "Technisch oordeel wijzigen",
    RELEASE: "Op orde rapport vrijgeven",
    HOLD: "Op orde rapport vasthouden",
}


@dataclasses.dataclass(frozen=True)
class DecisionPrompt:
    """What the reviewer confirms (with a reason) before a decision is taken."""

    kind: str
    target_id: int  # a delivery id for an override, an op-orde report id for release and hold
    title: str
    text: str


def _target(db: Session, code: str, kind: str, target_id: int) -> tuple[Delivery, Report | None]:
    """The delivery a decision is about: an override names a delivery, release and hold an op-orde
    report. Ids of the two kinds are never looked up in one list."""
    if kind not in DECISION_TITLES:
        raise ReviewRefused("Onbekende actie.")
    report: Report | None = None
    if kind == OVERRIDE:
        delivery = db.get(Delivery, int(target_id))
    else:
        report = db.get(Report, int(target_id))
        if report is None or report.kind != ReportKind.readiness:
            raise ReviewRefused("Onbekend Op orde rapport.")
        delivery = db.get(Delivery, report.delivery_id)
    if delivery is None or delivery.municipality_code != code:
        raise ReviewRefused("Deze aanlevering hoort niet bij deze gemeente.")
    return delivery, report


def decision_prompt(
    db: Session, actor: Actor, code: str, kind: str, target_id: int
) -> DecisionPrompt:
    require_reviewer(actor)
    delivery, _ = _target(db, code, kind, target_id)
    if kind == OVERRIDE:
        to = VERDICT_LABELS[
            DeliveryStatus.rejected
            if delivery.effective_status == DeliveryStatus.approved
            else DeliveryStatus.approved
        ]
        text = (
            f"Het technisch oordeel over {delivery.filename} wordt {to}. "
            "De gemeente krijgt hierover een bericht met uw reden."
        )
    elif kind == RELEASE:
        text = (
            f"Het Op orde rapport van {delivery.filename} komt beschikbaar in het tabblad "
            "Ophalen van de gemeente, en de gemeente krijgt een e-mail."
        )
    else:
        text = (
            f"Het Op orde rapport van {delivery.filename} is niet meer te downloaden voor de "
            "gemeente totdat CBS het vrijgeeft."
        )
    return DecisionPrompt(kind, int(target_id), DECISION_TITLES[kind], text)


def decide(db: Session, actor: Actor, code: str, kind: str, target_id: int, reason: str) -> str:
    """Take the confirmed decision; returns what the reviewer is told it did."""
    require_reviewer(actor)
    delivery, report = _target(db, code, kind, target_id)
    if kind == OVERRIDE:
        verdict = (
            DeliveryStatus.rejected
            if delivery.effective_status == DeliveryStatus.approved
            else DeliveryStatus.approved
        )
        override_verdict(db, actor, delivery.id or 0, verdict, reason)
        done = f"Het technisch oordeel over {delivery.filename} is gewijzigd in {VERDICT_LABELS[verdict]}."
    elif kind == RELEASE:
        assert report is not None and report.id is not None
        release_readiness(db, actor, report.id, reason)
        done = f"Het Op orde rapport van {delivery.filename} is vrijgegeven."
    else:
        assert report is not None and report.id is not None
        hold_readiness(db, actor, report.id, reason)
        done = f"Het Op orde rapport van {delivery.filename} wordt vastgehouden."
    return done + " De gemeente is op de hoogte gebracht."
