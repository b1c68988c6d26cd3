"""Who gets which e-mail: queues each notification once (unique key) in the outbox.

The mailer sends the outbox and writes the `notificatie_verstuurd` line in the Berichtenlog of
the municipality when a mail has actually gone out, so the log never claims a mail that the
SMTP server refused. Recipients: every active `productbeheerder CBS Monitor` of the
municipality and, for a municipality that delegated its delivery, the coordinators of the
samenwerkingsverband. A municipality without such users gets no mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
from collections.abc import Callable

from sqlalchemy import case, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delegation,
    Delivery,
    DeliveryStatus,
    Municipality,
    Organisation,
    OrganisationKind,
    OutboxMail,
    PeriodEvent,
    Report,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    Role,
    User,
    UserRole,
)
from cbs_monitor.services import mail_templates, periods, service_levels


@dataclasses.dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str
    # True when the user gets the mail as coordinator of a cooperative (delegating municipality).
    via_cooperative: bool = False

    @property
    def address(self) -> str:
        return email.utils.formataddr((self.name, self.email))


# --- recipients ---------------------------------------------------------------------------


def _valid_on(day: dt.date):
    return (
        Delegation.valid_from <= day,
        or_(Delegation.valid_to.is_(None), Delegation.valid_to >= day),
    )


def recipients_by_municipality(
    db: Session, day: dt.date | None = None, only: str | None = None
) -> dict[str, list[Recipient]]:
    """Municipality code -> the people who get its mails, product managers first; `only`: of that
    one municipality (two small queries instead of the whole country's)."""
    day = day or clock.today()
    found: dict[str, dict[int, Recipient]] = {}
    managers = (
        select(User, Organisation.municipality_code)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.product_manager, User.active == True)  # noqa: E712
        .where(Organisation.kind == OrganisationKind.municipality)
        .where(Organisation.municipality_code.is_not(None))
        .order_by(User.id)
    )
    coordinators = (
        select(User, Delegation.municipality_code)
        .join(Delegation, Delegation.organisation_id == User.organisation_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.coordinator, User.active == True)  # noqa: E712
        .where(*_valid_on(day))
        .order_by(User.id)
    )
    if only is not None:
        managers = managers.where(Organisation.municipality_code == only)
        coordinators = coordinators.where(Delegation.municipality_code == only)
    for user, code in db.exec(managers).all():
        if user.email:
            found.setdefault(code, {})[user.id] = Recipient(user.id, user.name, user.email)
    for user, code in db.exec(coordinators).all():
        if user.email:
            found.setdefault(code, {}).setdefault(
                user.id, Recipient(user.id, user.name, user.email, via_cooperative=True)
            )
    return {code: list(people.values()) for code, people in found.items()}


def recipients(db: Session, municipality_code: str, day: dt.date | None = None) -> list[Recipient]:
    return recipients_by_municipality(db, day, only=municipality_code).get(municipality_code, [])


def cbs_reviewers(db: Session) -> list[Recipient]:
    users = db.exec(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.cbs_reviewer, User.active == True)  # noqa: E712
        .order_by(User.id)
    ).all()
    return [Recipient(u.id, u.name, u.email) for u in users if u.email]


def delegating_municipalities(db: Session, day: dt.date | None = None) -> set[str]:
    day = day or clock.today()
    return set(db.exec(select(Delegation.municipality_code).where(*_valid_on(day))).all())


def delivered_municipalities(db: Session, period_code: str) -> dict[str, bool]:
    """Municipality code -> whether it has an approved delivery for the period. A later rejected
    file does not undo an approved one: the latest approved delivery is the one that counts."""
    effective = func.coalesce(col(Delivery.override_status), col(Delivery.status))
    approved = func.max(case((effective == DeliveryStatus.approved, 1), else_=0))
    rows = db.exec(
        select(col(Delivery.municipality_code), approved)
        .where(Delivery.period_code == period_code)
        .group_by(col(Delivery.municipality_code))
    ).all()
    return {code: bool(flag) for code, flag in rows}


def approved_municipalities(db: Session, period_code: str) -> set[str]:
    return {
        code for code, approved in delivered_municipalities(db, period_code).items() if approved
    }


# --- the outbox ---------------------------------------------------------------------------


def queue_mail(
    db: Session,
    *,
    key: str,
    recipient: Recipient,
    mail: mail_templates.Mail,
    municipality_code: str | None,
    period_code: str | None = None,
    delivery_id: int | None = None,
) -> bool:
    """Put a mail in the outbox unless one with this key exists. True when it was added. The
    period and delivery go along to the Berichtenlog line written once the mail went out."""
    if db.exec(select(OutboxMail.id).where(OutboxMail.key == key)).first() is not None:
        return False
    row = OutboxMail(
        key=key,
        recipient=recipient.address,
        subject=mail.subject,
        body_text=mail.text,
        body_html=mail.html,
        municipality_code=municipality_code,
        period_code=period_code,
        delivery_id=delivery_id,
        created_at=clock.now(),
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return False  # a concurrent writer queued the same key first
    return True


def _municipality_name(db: Session, code: str) -> str:
    municipality = db.get(Municipality, code)
    return municipality.name if municipality else code


def claim_event(db: Session, key: str, period_code: str) -> bool:
    """Record a one-off event; False when it was already recorded (by us or a rival)."""
    if db.exec(select(PeriodEvent.id).where(PeriodEvent.key == key)).first() is not None:
        return False
    try:
        with db.begin_nested():
            db.add(PeriodEvent(key=key, period_code=period_code, happened_at=clock.now()))
    except IntegrityError:
        return False
    return True


# --- reports (called by the deliveries service, inside its transaction) --------------------


def technical_report_ready(
    db: Session, delivery: Delivery, report: Report, people: list[Recipient] | None = None
) -> None:
    """Queue 'technisch rapport beschikbaar' to the municipality's recipients (`people`, when
    the caller looked them up already)."""
    code = delivery.municipality_code
    name = _municipality_name(db, code)
    period = db.get(ReportingPeriod, delivery.period_code)
    approved = report.status == ReportStatus.approved
    verdict = (
        report.status.value
        if report.status in (ReportStatus.approved, ReportStatus.rejected)
        else "in behandeling"
    )
    _mail_recipients(
        db,
        code,
        recipients(db, code) if people is None else people,
        f"technical-report/{delivery.id}",
        lambda person: mail_templates.technical_report_ready(
            name=person.name,
            municipality_code=code,
            municipality_name=name,
            period_code=delivery.period_code,
            filename=delivery.filename,
            received_at=delivery.received_at,
            verdict=verdict,
            approved=approved,
            records_read=delivery.records_read,
            records_valid=delivery.records_valid,
            records_with_errors=delivery.records_with_errors,
            delivery_closes_on=period.delivery_closes_on if period else None,
            via_cooperative=person.via_cooperative,
        ),
        period_code=delivery.period_code,
        delivery_id=delivery.id,
    )


def readiness_report_ready(
    db: Session, delivery: Delivery, report: Report, people: list[Recipient] | None = None
) -> None:
    """Queue 'Op orde rapport beschikbaar'. A report held for CBS review is not ready yet, so
    nothing is queued then; call again when CBS releases it."""
    if report.kind != ReportKind.readiness or report.status in service_levels.OPEN_STATUSES:
        return
    code = delivery.municipality_code
    name = _municipality_name(db, code)
    _mail_recipients(
        db,
        code,
        recipients(db, code) if people is None else people,
        f"readiness-report/{delivery.id}",
        lambda person: mail_templates.readiness_report_ready(
            name=person.name,
            municipality_code=code,
            municipality_name=name,
            period_code=delivery.period_code,
            filename=delivery.filename,
            received_at=delivery.received_at,
            via_cooperative=person.via_cooperative,
        ),
        period_code=delivery.period_code,
        delivery_id=delivery.id,
    )


def validation_failed(db: Session, delivery: Delivery) -> None:
    """Queue 'technische fout' to the municipality's recipients and to every CBS reviewer: a
    delivery whose validation kept failing is never left in silence."""
    code = delivery.municipality_code
    name = _municipality_name(db, code)
    for people, for_cbs in ((recipients(db, code), False), (cbs_reviewers(db), True)):
        _mail_recipients(
            db,
            code,
            people,
            f"validation-failed/{delivery.id}/{'cbs' if for_cbs else 'municipality'}",
            lambda person, for_cbs=for_cbs: mail_templates.validation_failed(
                name=person.name,
                municipality_code=code,
                municipality_name=name,
                period_code=delivery.period_code,
                filename=delivery.filename,
                received_at=delivery.received_at,
                for_cbs=for_cbs,
                via_cooperative=person.via_cooperative,
            ),
            period_code=delivery.period_code,
            delivery_id=delivery.id,
        )


# --- windows (called by the scheduler) ----------------------------------------------------


def _mail_recipients(
    db: Session,
    code: str,
    people: list[Recipient],
    key_prefix: str,
    build: Callable[[Recipient], mail_templates.Mail],
    *,
    period_code: str | None = None,
    delivery_id: int | None = None,
) -> int:
    """Queue one mail per recipient, keyed `key_prefix/user-N`: created once, however often called."""
    return sum(
        queue_mail(
            db,
            key=f"{key_prefix}/user-{person.user_id}",
            recipient=person,
            mail=build(person),
            municipality_code=code,
            period_code=period_code,
            delivery_id=delivery_id,
        )
        for person in people
    )


def _mail_each_municipality(
    db: Session,
    day: dt.date | None,
    key_prefix: str,
    build: Callable[[Recipient, str, str], mail_templates.Mail],
    include: Callable[[str], bool] = lambda code: True,
    *,
    period_code: str | None = None,
) -> int:
    """Queue one mail per recipient of every included municipality, keyed per user: exactly once."""
    queued = 0
    for code, people in sorted(recipients_by_municipality(db, day).items()):
        if not include(code):
            continue
        name = _municipality_name(db, code)
        queued += _mail_recipients(
            db,
            code,
            people,
            f"{key_prefix}/{code}",
            lambda person, code=code, name=name: build(person, code, name),
            period_code=period_code,
        )
    return queued


def delivery_window_opened(db: Session, period: ReportingPeriod) -> int:
    """Queue 'U kunt starten met aanleveren' for every municipality with recipients."""
    return _mail_each_municipality(
        db,
        None,
        f"delivery-window-opened/{period.code}",
        lambda person, code, name: mail_templates.delivery_window_opened(
            name=person.name,
            municipality_code=code,
            municipality_name=name,
            period_code=period.code,
            opens_on=period.delivery_opens_on,
            closes_on=period.delivery_closes_on,
            via_cooperative=person.via_cooperative,
        ),
        period_code=period.code,
    )


def reminders_due(db: Session, today: dt.date) -> int:
    """On the reminder day of an open delivery window (settings.reminder_working_days working
    days before it closes), once per period: remind every municipality without an approved
    delivery for the period."""
    queued = 0
    for period in periods.all_periods(db):
        if not periods.delivery_open(period, today) or periods.reminder_date(period) > today:
            continue
        if not claim_event(db, f"reminder/{period.code}", period.code):
            continue
        delivered = delivered_municipalities(db, period.code)
        queued += _mail_each_municipality(
            db,
            today,
            f"reminder/{period.code}",
            lambda person, code, name, period=period, delivered=delivered: mail_templates.reminder(
                name=person.name,
                municipality_code=code,
                municipality_name=name,
                period_code=period.code,
                closes_on=period.delivery_closes_on,
                has_delivery=code in delivered,
                via_cooperative=person.via_cooperative,
            ),
            include=lambda code, delivered=delivered: not delivered.get(code),
            period_code=period.code,
        )
    return queued


def withdrawal_window_opened(db: Session, period: ReportingPeriod) -> int:
    """Queue 'intrekperiode geopend' for municipalities with an approved delivery in the period
    (only their figures get published, so only they have something to withdraw)."""
    today = clock.today()
    delegating = delegating_municipalities(db, today)
    approved = approved_municipalities(db, period.code)
    return _mail_each_municipality(
        db,
        today,
        f"withdrawal-window-opened/{period.code}",
        lambda person, code, name: mail_templates.withdrawal_window_opened(
            name=person.name,
            municipality_code=code,
            municipality_name=name,
            period_code=period.code,
            opens_on=period.withdrawal_opens_on,
            closes_on=period.withdrawal_closes_on,
            delegating=code in delegating,
            via_cooperative=person.via_cooperative,
        ),
        include=lambda code: code in approved,
        period_code=period.code,
    )


def cbs_decision(
    db: Session,
    municipality_code: str,
    subject: str,
    text: str,
    key: str,
    *,
    period_code: str | None = None,
    delivery_id: int | None = None,
) -> int:
    """Queue a mail about a CBS decision (override, release, form withdrawal). `key` names the
    decision (e.g. 'override/123'); one mail per recipient per key."""
    name = _municipality_name(db, municipality_code)
    return _mail_recipients(
        db,
        municipality_code,
        recipients(db, municipality_code),
        f"cbs-decision/{key}",
        lambda person: mail_templates.cbs_decision(
            name=person.name,
            municipality_code=municipality_code,
            municipality_name=name,
            subject=subject,
            text=text,
            via_cooperative=person.via_cooperative,
        ),
        period_code=period_code,
        delivery_id=delivery_id,
    )


def cbs_digest(db: Session, today: dt.date, now: dt.datetime | None = None) -> int:
    """On a working day, queue one digest per CBS reviewer of the reports that are overdue or
    due today / the next working day. Nothing to report, no mail."""
    if not clock.is_working_day(today):
        return 0
    prefix = f"cbs-digest/{today.isoformat()}/"
    wanted = {f"{prefix}user-{p.user_id}": p for p in cbs_reviewers(db)}
    sent = set(db.exec(select(OutboxMail.key).where(OutboxMail.key.in_(list(wanted)))).all())
    reviewers = [p for key, p in wanted.items() if key not in sent]
    if not reviewers:
        return 0  # the reconcile runs every minute; today's digest is out already
    now = now or clock.now()
    open_rows = service_levels.open_reports(db, now=now)
    horizon = clock.add_working_days(today, 1)
    overdue = [r for r in open_rows if r.overdue]
    due = [r for r in open_rows if not r.overdue and clock.to_local(r.due_at).date() <= horizon]
    if not overdue and not due:
        return 0
    rows = []
    for row in overdue + due:
        if row.overdue:
            standing = f"{row.working_days_late} werkdag(en) te laat"
        elif clock.to_local(row.due_at).date() == today:
            standing = "vandaag af"
        else:
            standing = "volgende werkdag af"
        rows.append(
            [
                f"{row.municipality_name} ({row.municipality_code})",
                row.period_code,
                row.kind_label,
                row.status.value,
                clock.format_local(row.due_at),
                standing,
            ]
        )
    queued = 0
    for person in reviewers:
        mail = mail_templates.cbs_digest(
            name=person.name, day=today, rows=rows, overdue=len(overdue), due=len(due)
        )
        queued += queue_mail(
            db,
            key=f"{prefix}user-{person.user_id}",
            recipient=person,
            mail=mail,
            municipality_code=None,
        )
    return queued
