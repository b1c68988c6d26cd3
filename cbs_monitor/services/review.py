"""The CBS reviewer's desk: the country overview of a period, a municipality's file, and CBS decisions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from sqlalchemy import func
from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delegation,
    Delivery,
    DeliveryStatus,
    Message,
    Municipality,
    Organisation,
    OrganisationKind,
    Report,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    User,
    Withdrawal,
    WithdrawalPart,
)
from cbs_monitor.protocol import TechnicalResult
from cbs_monitor.reports.overview_xlsx import write_overview
from cbs_monitor.services import (
    deliveries,
    messages,
    notifications,
    periods,
    report_files,
    service_levels,
    withdrawals,
)
from cbs_monitor.services.permissions import Action, Actor, can, delegating_codes
from cbs_monitor.settings import get_settings

# The status of a municipality in a period, as the overview shows and filters it (in this order).
NOT_DELIVERED = "niet aangeleverd"
RECEIVED = "ontvangen"
REJECTED = "technisch afgekeurd"
APPROVED = "technisch goedgekeurd"
READY = "op orde gereed"
STATUSES = (NOT_DELIVERED, RECEIVED, REJECTED, APPROVED, READY)

# Sort keys of the overview; a leading "-" reverses.
SORTS = {
    "naam": "Gemeente (A-Z)",
    "code": "Gemeentecode",
    "status": "Status",
    "aanlevering": "Laatste aanlevering",
    "termijn": "Eerstvolgende termijn",
}
DEFAULT_SORT = "naam"
MAX_REASON = 1000
MIN_REASON = 5
DECISION_KIND = "cbs_besluit"
VERDICT_LABELS = {DeliveryStatus.approved: "goedgekeurd", DeliveryStatus.rejected: "afgekeurd"}


class ReviewRefused(Exception):
    """A desk action that may not happen; the message is Dutch and shown to the reviewer."""


def _require_reviewer(actor: Actor | None) -> Actor:
    if not can(actor, Action.review):
        raise ReviewRefused("Alleen CBS-beoordelaars hebben toegang tot deze functie.")
    assert actor is not None
    return actor


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ReviewRefused("Geef een reden op. De gemeente krijgt deze reden te zien.")
    if len(text) < MIN_REASON:
        raise ReviewRefused(f"De reden is te kort: gebruik minstens {MIN_REASON} tekens.")
    if len(text) > MAX_REASON:
        raise ReviewRefused(f"De reden is te lang: gebruik hoogstens {MAX_REASON} tekens.")
    return text


# --- the overview ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportSummary:
    """What the overview needs of a report: no content (that is the heavy JSON)."""

    report_id: int
    status: ReportStatus
    created_at: dt.datetime | None
    released_at: dt.datetime | None
    due_at: dt.datetime
    overdue: bool

    @property
    def shown_at(self) -> dt.datetime | None:
        return self.released_at or self.created_at


@dataclasses.dataclass(frozen=True)
class OverviewRow:
    """One municipality in the overview of a period."""

    code: str
    name: str
    status: str
    delivery_count: int
    delivery_id: int | None  # the delivery the status is about
    filename: str
    received_at: dt.datetime | None
    delivered_by: str
    delivered_by_cooperative: bool
    delegating: bool
    overridden: bool
    technical: ReportSummary | None
    readiness: ReportSummary | None
    withdrawn_parts: tuple[str, ...]

    @property
    def overdue(self) -> bool:
        return any(r is not None and r.overdue for r in (self.technical, self.readiness))

    @property
    def held(self) -> bool:
        return self.readiness is not None and self.readiness.status == ReportStatus.held

    @property
    def next_due(self) -> dt.datetime | None:
        """The earliest deadline of a report still owed (None when nothing is owed)."""
        owed = [
            r.due_at
            for r in (self.technical, self.readiness)
            if r is not None and r.status in service_levels.OPEN_STATUSES
        ]
        return min(owed, default=None)


@dataclasses.dataclass(frozen=True)
class Counts:
    """How many municipalities per status, and the flags CBS acts on."""

    by_status: dict[str, int]
    overdue: int
    held: int
    total: int


@dataclasses.dataclass(frozen=True)
class _DeliveryLine:
    id: int
    municipality_code: str
    organisation_id: int
    filename: str
    received_at: dt.datetime
    status: DeliveryStatus
    override_status: DeliveryStatus | None

    @property
    def effective(self) -> DeliveryStatus:
        return self.override_status or self.status


def _relevant(lines: list[_DeliveryLine]) -> _DeliveryLine | None:
    """The delivery a municipality's status is about: a newer file still being checked, else the one
    that counts (latest approved, CBS override included), else the latest file."""
    if not lines:
        return None
    latest = lines[-1]
    if latest.effective == DeliveryStatus.received:
        return latest
    for line in reversed(lines):
        if line.effective == DeliveryStatus.approved:
            return line
    return latest


def _status_of(line: _DeliveryLine | None, readiness: ReportSummary | None) -> str:
    if line is None:
        return NOT_DELIVERED
    if line.effective == DeliveryStatus.received:
        return RECEIVED
    if line.effective == DeliveryStatus.rejected:
        return REJECTED
    if readiness is not None and readiness.status == ReportStatus.ready:
        return READY
    return APPROVED


def _aware(stamp: dt.datetime | None) -> dt.datetime | None:
    if stamp is not None and stamp.tzinfo is None:
        return stamp.replace(tzinfo=clock.UTC)
    return stamp


def _chunks(values: list[int], size: int = 900):
    """IN-lists in slices: SQLite limits the number of bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def all_rows(db: Session, period_code: str, now: dt.datetime | None = None) -> list[OverviewRow]:
    """Every municipality of the country for a period, in a fixed handful of queries (no N+1)."""
    now = now or clock.now()
    municipalities = db.exec(
        select(Municipality.code, Municipality.name).order_by(Municipality.code)
    ).all()
    by_code: dict[str, list[_DeliveryLine]] = {}
    for row in db.exec(
        select(
            Delivery.id,
            Delivery.municipality_code,
            Delivery.organisation_id,
            Delivery.filename,
            Delivery.received_at,
            Delivery.status,
            Delivery.override_status,
        )
        .where(Delivery.period_code == period_code)
        .order_by(Delivery.received_at, Delivery.id)
    ).all():
        line = _DeliveryLine(*row)
        by_code.setdefault(line.municipality_code, []).append(line)
    relevant = {code: _relevant(lines) for code, lines in by_code.items()}

    reports: dict[tuple[int, ReportKind], ReportSummary] = {}
    ids = sorted(line.id for line in relevant.values() if line is not None)
    for chunk in _chunks(ids):
        for rid, delivery_id, kind, status, created, released, due in db.exec(
            select(
                Report.id,
                Report.delivery_id,
                Report.kind,
                Report.status,
                Report.created_at,
                Report.released_at,
                Report.due_at,
            ).where(Report.delivery_id.in_(chunk))  # type: ignore[union-attr]
        ).all():
            due = _aware(due)
            reports[(delivery_id, kind)] = ReportSummary(
                report_id=rid,
                status=status,
                created_at=_aware(created),
                released_at=_aware(released),
                due_at=due,
                overdue=status in service_levels.OPEN_STATUSES and due < now,
            )

    withdrawn: dict[str, list[WithdrawalPart]] = {}
    for code, part in db.exec(
        select(Withdrawal.municipality_code, Withdrawal.part).where(
            Withdrawal.period_code == period_code, Withdrawal.withdrawn
        )
    ).all():
        withdrawn.setdefault(code, []).append(part)
    part_order = [part for part, _ in withdrawals.PARTS]

    organisations = {
        oid: (name, kind)
        for oid, name, kind in db.exec(
            select(Organisation.id, Organisation.name, Organisation.kind)
        ).all()
    }
    delegating = delegating_codes(db)

    rows = []
    for code, name in municipalities:
        lines = by_code.get(code, [])
        line = relevant.get(code)
        latest = lines[-1] if lines else None
        technical = reports.get((line.id, ReportKind.technical)) if line else None
        readiness = reports.get((line.id, ReportKind.readiness)) if line else None
        org_name, org_kind = (
            organisations.get(latest.organisation_id, ("", None)) if latest else ("", None)
        )
        parts = sorted(withdrawn.get(code, []), key=part_order.index)
        rows.append(
            OverviewRow(
                code=code,
                name=name,
                status=_status_of(line, readiness),
                delivery_count=len(lines),
                delivery_id=line.id if line else None,
                filename=latest.filename if latest else "",
                received_at=_aware(latest.received_at) if latest else None,
                delivered_by=org_name,
                delivered_by_cooperative=org_kind == OrganisationKind.cooperative,
                delegating=code in delegating,
                overridden=bool(line and line.override_status is not None),
                technical=technical,
                readiness=readiness,
                withdrawn_parts=tuple(withdrawals.PART_LABELS[p] for p in parts),
            )
        )
    return rows


def _matches(row: OverviewRow, needle: str) -> bool:
    return needle in row.code or needle in row.name.lower() or needle in row.delivered_by.lower()


_FAR = dt.datetime.max.replace(tzinfo=clock.UTC)  # sorts after every real deadline
_SORT_KEYS = {
    "naam": lambda r: (r.name.lower(), r.code),
    "code": lambda r: r.code,
    "status": lambda r: (STATUSES.index(r.status), r.name.lower()),
    # Newest delivery first reads naturally for "laatste aanlevering"; never-delivered last.
    "aanlevering": lambda r: (
        r.received_at is None,
        -(r.received_at.timestamp() if r.received_at else 0),
        r.name.lower(),
    ),
    "termijn": lambda r: (r.next_due is None, r.next_due or _FAR, r.name.lower()),
}


def filter_and_sort(
    rows: list[OverviewRow],
    *,
    status: str | None = None,
    search: str | None = None,
    overdue_only: bool = False,
    held_only: bool = False,
    sort: str = DEFAULT_SORT,
) -> tuple[list[OverviewRow], Counts]:
    """Apply the desk's filters. Counts follow the search (what the reviewer is looking at) but not
    the status and flag filters, so the count buttons keep showing what each filter would give."""
    if status and status not in STATUSES:
        raise ReviewRefused("Onbekende status.")
    key = (sort or DEFAULT_SORT).lstrip("-")
    if key not in _SORT_KEYS:
        raise ReviewRefused("Onbekende sortering.")
    needle = (search or "").strip().lower()
    searched = [r for r in rows if _matches(r, needle)] if needle else rows
    tally = Counter(r.status for r in searched)
    counts = Counts(
        by_status={s: tally.get(s, 0) for s in STATUSES},
        overdue=sum(1 for r in searched if r.overdue),
        held=sum(1 for r in searched if r.held),
        total=len(searched),
    )
    chosen = [
        r
        for r in searched
        if (not status or r.status == status)
        and (not overdue_only or r.overdue)
        and (not held_only or r.held)
    ]
    chosen.sort(key=_SORT_KEYS[key], reverse=(sort or "").startswith("-"))
    return chosen, counts


def overview(
    db: Session,
    actor: Actor | None,
    period_code: str,
    *,
    status: str | None = None,
    search: str | None = None,
    overdue_only: bool = False,
    held_only: bool = False,
    sort: str = DEFAULT_SORT,
    offset: int = 0,
    limit: int | None = 50,
) -> tuple[list[OverviewRow], int, Counts]:
    """One page of the country overview of a period: (rows, total after filters, counts)."""
    _require_reviewer(actor)
    if db.get(ReportingPeriod, period_code) is None:
        raise ReviewRefused("Onbekende verslagperiode.")
    chosen, counts = filter_and_sort(
        all_rows(db, period_code),
        status=status,
        search=search,
        overdue_only=overdue_only,
        held_only=held_only,
        sort=sort,
    )
    offset = max(0, int(offset))
    page = chosen[offset : offset + limit] if limit is not None else chosen[offset:]
    return page, len(chosen), counts


def daily_activity(db: Session, actor: Actor | None, period_code: str) -> list[dict[str, object]]:
    """Per day of the delivery window: files delivered, technically approved, op-orde reports ready."""
    _require_reviewer(actor)
    period = db.get(ReportingPeriod, period_code)
    if period is None:
        raise ReviewRefused("Onbekende verslagperiode.")
    first, last = period.delivery_opens_on, period.delivery_closes_on
    delivered: Counter[dt.date] = Counter()
    approved: Counter[dt.date] = Counter()
    for received_at, status, override in db.exec(
        select(Delivery.received_at, Delivery.status, Delivery.override_status).where(
            Delivery.period_code == period_code
        )
    ).all():
        day = clock.to_local(received_at).date()
        delivered[day] += 1
        if (override or status) == DeliveryStatus.approved:
            approved[day] += 1
    ready: Counter[dt.date] = Counter()
    for released_at in db.exec(
        select(Report.released_at)
        .join(Delivery, Delivery.id == Report.delivery_id)
        .where(
            Delivery.period_code == period_code,
            Report.kind == ReportKind.readiness,
            Report.status == ReportStatus.ready,
            Report.released_at.is_not(None),
        )  # type: ignore[union-attr]
    ).all():
        ready[clock.to_local(released_at).date()] += 1
    days = []
    day = first
    while day <= last:
        days.append(
            {
                "dag": f"{day:%d-%m}",
                "datum": day.isoformat(),
                "aanleveringen": delivered[day],
                "goedgekeurd": approved[day],
                "op_orde": ready[day],
            }
        )
        day += dt.timedelta(days=1)
    return days


# --- a municipality's file ------------------------------------------------------------------


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


def _municipality(db: Session, code: str) -> Municipality:
    municipality = db.get(Municipality, code or "")
    if municipality is None:
        raise ReviewRefused("Onbekende gemeente.")
    return municipality


def municipality_file(
    db: Session, actor: Actor | None, code: str, period_code: str | None = None, limit: int = 100
) -> MunicipalityFile:
    """Every delivery of a municipality (optionally of one period), newest first, with both reports."""
    _require_reviewer(actor)
    municipality = _municipality(db, code)
    query = select(Delivery).where(Delivery.municipality_code == code)
    if period_code:
        query = query.where(Delivery.period_code == period_code)
    rows = db.exec(
        query.order_by(Delivery.received_at.desc(), Delivery.id.desc()).limit(limit)
    ).all()
    ids = [r.id for r in rows]
    reports: dict[tuple[int, ReportKind], tuple[ReportSummary, int]] = {}
    now = clock.now()
    for chunk in _chunks(ids):
        for report in db.exec(select(Report).where(Report.delivery_id.in_(chunk))).all():  # type: ignore[union-attr]
            due = _aware(report.due_at)
            findings = (
                len(report.content.get("findings", []))
                if report.kind == ReportKind.technical
                else 0
            )
            reports[(report.delivery_id, report.kind)] = (
                ReportSummary(
                    report_id=report.id,
                    status=report.status,
                    created_at=_aware(report.created_at),
                    released_at=_aware(report.released_at),
                    due_at=due,
                    overdue=report.status in service_levels.OPEN_STATUSES and due < now,
                ),
                findings,
            )
    org_ids = {r.organisation_id for r in rows}
    user_ids = {u for r in rows for u in (r.user_id, r.override_by_user_id) if u is not None}
    orgs = {
        o.id: o.name
        for o in db.exec(select(Organisation).where(Organisation.id.in_(org_ids or {-1})))
    }  # type: ignore[union-attr]
    users = {u.id: u.name for u in db.exec(select(User).where(User.id.in_(user_ids or {-1})))}  # type: ignore[union-attr]
    counting: dict[str, int | None] = {}
    for period in {r.period_code for r in rows}:
        current = deliveries.current_delivery(db, code, period)
        counting[period] = current.id if current else None
    details = []
    for r in rows:
        technical = reports.get((r.id, ReportKind.technical))
        readiness = reports.get((r.id, ReportKind.readiness))
        details.append(
            DeliveryDetail(
                delivery_id=r.id,
                filename=r.filename,
                period_code=r.period_code,
                received_at=_aware(r.received_at),
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
    cooperative = ""
    if delegating:
        today = clock.today()
        for delegation, org in db.exec(
            select(Delegation, Organisation)
            .join(Organisation, Organisation.id == Delegation.organisation_id)
            .where(Delegation.municipality_code == code)
        ).all():
            if delegation.valid_from <= today and (
                delegation.valid_to is None or delegation.valid_to >= today
            ):
                cooperative = org.name
    return MunicipalityFile(
        code=code,
        name=municipality.name,
        delegating=delegating,
        cooperative=cooperative,
        deliveries=details,
    )


@dataclasses.dataclass(frozen=True)
class FindingLine:
    severity: str
    text: str
    count: int


def findings(db: Session, actor: Actor | None, delivery_id: int) -> list[FindingLine]:
    """The findings of a delivery's technical report (never a BSN: reports hold none by design)."""
    _require_reviewer(actor)
    report = deliveries.report_of(db, int(delivery_id), ReportKind.technical)
    if report is None:
        raise ReviewRefused("Deze aanlevering heeft geen technisch rapport.")
    result = TechnicalResult.from_dict(report.content)
    ordered = sorted(
        result.findings, key=lambda f: f.severity != "fout"
    )  # errors first, validator order kept
    return [FindingLine(severity=f.severity, text=f.describe(), count=f.count) for f in ordered]


def withdrawal_state(
    db: Session, actor: Actor | None, code: str, period_code: str
) -> dict[WithdrawalPart, bool]:
    _require_reviewer(actor)
    _municipality(db, code)
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
    _require_reviewer(actor)
    _municipality(db, code)
    changes = withdrawals.history(db, code)
    user_ids = {c.user_id for c in changes if c.user_id is not None}
    users = {u.id: u.name for u in db.exec(select(User).where(User.id.in_(user_ids or {-1})))}  # type: ignore[union-attr]
    return [
        WithdrawalHistoryLine(
            changed_at=_aware(c.changed_at),
            period_code=c.period_code,
            part=withdrawals.PART_LABELS[c.part],
            withdrawn=c.withdrawn,
            source="formulier CBS" if c.source == "cbs-formulier" else "portaal",
            user=users.get(c.user_id, "") if c.user_id else "",
            reason=c.reason or "",
        )
        for c in changes
    ]


def message_page(
    db: Session, actor: Actor | None, code: str, *, offset: int = 0, limit: int = 25
) -> tuple[list[Message], int]:
    """The Berichtenlog of a municipality, newest first, one page at a time."""
    _require_reviewer(actor)
    _municipality(db, code)
    total = db.exec(
        select(func.count()).select_from(Message).where(Message.municipality_code == code)
    ).one()
    rows = db.exec(
        select(Message)
        .where(Message.municipality_code == code)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    ).all()
    return list(rows), total


# --- decisions ------------------------------------------------------------------------------


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
        DECISION_KIND,
        text,
        period_code=period_code,
        user_id=actor.user_id,
        delivery_id=delivery.id if delivery else None,
    )
    # The message id makes the mail key unique per decision, so a later decision mails again.
    notifications.cbs_decision(
        db, code, subject, text, key=f"{key}/{message.id if message else clock.now()}"
    )


def _recount_replacements(db: Session, code: str, period_code: str) -> None:
    """Each delivery is replaced by the first approved delivery after it (as on receipt); recomputed
    because an override can make an older file count, or stop a file from counting."""
    rows = db.exec(
        select(Delivery)
        .where(Delivery.municipality_code == code, Delivery.period_code == period_code)
        .order_by(Delivery.received_at, Delivery.id)
    ).all()
    next_approved: int | None = None
    for row in reversed(rows):
        if row.replaced_by_id != next_approved:
            row.replaced_by_id = next_approved
            db.add(row)
        if row.effective_status == DeliveryStatus.approved:
            next_approved = row.id
    db.flush()


def override_verdict(
    db: Session, actor: Actor | None, delivery_id: int, verdict: DeliveryStatus | str, reason: str
) -> Delivery:
    """CBS overrides the technical verdict of a delivery. Approval produces the op-orde report."""
    actor = _require_reviewer(actor)
    try:
        verdict = DeliveryStatus(verdict)
    except ValueError:
        raise ReviewRefused("Kies goedgekeurd of afgekeurd.") from None
    if verdict not in VERDICT_LABELS:
        raise ReviewRefused("Kies goedgekeurd of afgekeurd.")
    text_reason = _reason(reason)
    delivery = db.get(Delivery, int(delivery_id))
    if delivery is None:
        raise ReviewRefused("Onbekende aanlevering.")
    if delivery.effective_status == verdict:
        raise ReviewRefused(f"Deze aanlevering is al {VERDICT_LABELS[verdict]}.")
    technical = deliveries.report_of(db, delivery.id, ReportKind.technical)
    if technical is None:
        raise ReviewRefused(
            "Deze aanlevering heeft nog geen technisch rapport; wacht tot de controle klaar is."
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
    _recount_replacements(db, delivery.municipality_code, delivery.period_code)
    readiness = deliveries.report_of(db, delivery.id, ReportKind.readiness)
    if verdict == DeliveryStatus.approved:
        if readiness is None:
            deliveries.build_readiness_report(
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
    deliveries.release_effects(db, delivery, report)


def _readiness_report(db: Session, report_id: int) -> tuple[Report, Delivery]:
    report = db.get(Report, int(report_id))
    if report is None or report.kind != ReportKind.readiness:
        raise ReviewRefused("Onbekend op orde rapport.")
    delivery = db.get(Delivery, report.delivery_id)
    assert delivery is not None  # foreign key
    return report, delivery


def release_readiness(db: Session, actor: Actor | None, report_id: int, reason: str) -> Report:
    """CBS releases a held op-orde report: the municipality can download it and gets the mails."""
    actor = _require_reviewer(actor)
    text_reason = _reason(reason)
    report, delivery = _readiness_report(db, report_id)
    if report.status != ReportStatus.held:
        raise ReviewRefused("Dit op orde rapport wacht niet op vrijgave.")
    if delivery.effective_status != DeliveryStatus.approved:
        raise ReviewRefused(
            "De aanlevering is afgekeurd; het op orde rapport kan niet worden vrijgegeven."
        )
    now = clock.now()
    report.status = ReportStatus.ready
    report.released_at = now
    report.released_by_user_id = actor.user_id
    db.add(report)
    db.flush()
    deliveries.release_effects(db, delivery, report)
    _decide(
        db,
        actor,
        delivery,
        delivery.municipality_code,
        delivery.period_code,
        f"Op orde rapport van {delivery.filename} vrijgegeven",
        f"CBS heeft het op orde rapport van {delivery.filename} (periode {delivery.period_code}) vrijgegeven. "
        f"Reden: {text_reason}",
        key=f"release/{report.id}",
    )
    return report


def hold_readiness(db: Session, actor: Actor | None, report_id: int, reason: str) -> Report:
    """CBS holds an op-orde report for review (takes a released one back from the municipality)."""
    actor = _require_reviewer(actor)
    text_reason = _reason(reason)
    report, delivery = _readiness_report(db, report_id)
    if report.status != ReportStatus.ready:
        raise ReviewRefused("Dit op orde rapport wordt al vastgehouden.")
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
        f"CBS houdt het op orde rapport van {delivery.filename} (periode {delivery.period_code}) vast voor "
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
    actor = _require_reviewer(actor)
    _municipality(db, code)
    text_reason = _reason(reason)
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


# --- periods --------------------------------------------------------------------------------

PERIOD_FIELDS = {
    "delivery_opens_on": "openingsdatum aanleverperiode",
    "delivery_closes_on": "sluitingsdatum aanleverperiode",
    "withdrawal_opens_on": "openingsdatum intrekperiode",
    "withdrawal_closes_on": "sluitingsdatum intrekperiode",
    "publication_date": "publicatiedatum",
}


def _date(value: dt.date | str | None, label: str, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise ReviewRefused(f"Vul de {label} in.")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReviewRefused(f"De {label} is geen geldige datum.") from None


def save_period(
    db: Session, actor: Actor | None, code: str, *, create: bool, **values: dt.date | str | None
) -> ReportingPeriod:
    """Create a period, or change the windows and publication date of an existing one.

    The scheduler reads the periods from the database, so a changed window takes effect by itself."""
    _require_reviewer(actor)
    code = (code or "").strip().upper()
    try:
        periods.period_bounds(code)
    except periods.PeriodError as bad:
        raise ReviewRefused(str(bad)) from None
    existing = db.get(ReportingPeriod, code)
    if create and existing is not None:
        raise ReviewRefused(
            f"Verslagperiode {code} bestaat al. Kies de periode om hem te wijzigen."
        )
    if not create and existing is None:
        raise ReviewRefused(f"Verslagperiode {code} bestaat niet.")
    unknown = set(values) - set(PERIOD_FIELDS)
    if unknown:
        raise ValueError(f"unknown period fields: {sorted(unknown)}")
    dates = {
        name: _date(values.get(name), label, required=name != "publication_date")
        for name, label in PERIOD_FIELDS.items()
    }
    try:
        return periods.save_period(db, code, **dates)
    except periods.PeriodError as bad:
        raise ReviewRefused(str(bad)) from None


def create_period(
    db: Session, actor: Actor | None, code: str, **values: dt.date | str | None
) -> ReportingPeriod:
    return save_period(db, actor, code, create=True, **values)


def update_period(
    db: Session, actor: Actor | None, code: str, **values: dt.date | str | None
) -> ReportingPeriod:
    return save_period(db, actor, code, create=False, **values)


def period_list(db: Session, actor: Actor | None) -> list[ReportingPeriod]:
    _require_reviewer(actor)
    return periods.all_periods(db)


def default_period(db: Session) -> str | None:
    """The period the desk opens on: the one whose delivery window is open, else the latest closed."""
    open_now = periods.open_delivery_periods(db)
    if open_now:
        return open_now[0].code
    closed = periods.last_closed_delivery_period(db)
    if closed is not None:
        return closed.code
    every = periods.all_periods(db)
    return every[0].code if every else None


def default_withdrawal_period(db: Session) -> str | None:
    """The period a form withdrawal is most likely about: the open withdrawal window, else the desk's."""
    open_now = periods.open_withdrawal_periods(db)
    return open_now[0].code if open_now else default_period(db)


# --- export ---------------------------------------------------------------------------------

EXPORT_KIND = "cbs_overzicht"


@report_files.builder(EXPORT_KIND)
def _export(db: Session, actor: Actor, params: dict) -> tuple[str, bytes]:
    """The overview with the reviewer's filters as .xlsx (behind a single-use download grant)."""
    if not can(actor, Action.review):
        raise report_files.NotAllowed()
    period_code = str(params.get("period_code", ""))
    status = params.get("status") or None
    search = params.get("search") or ""
    overdue_only, held_only = bool(params.get("overdue_only")), bool(params.get("held_only"))
    sort = params.get("sort") or DEFAULT_SORT
    rows, _, counts = overview(
        db,
        actor,
        period_code,
        status=status,
        search=search,
        overdue_only=overdue_only,
        held_only=held_only,
        sort=sort,
        limit=None,
    )
    filters = [
        (label, value)
        for label, value in (
            ("status", status or ""),
            ("zoekterm", search),
            ("alleen te laat", "ja" if overdue_only else ""),
            ("alleen wacht op vrijgave", "ja" if held_only else ""),
        )
        if value
    ]
    data = write_overview(
        rows, period_code=period_code, counts=counts, filters=filters, created_at=clock.now()
    )
    return f"CBS_overzicht_{period_code}_{clock.today():%Y%m%d}.xlsx", data
