"""The country overview of a period for CBS: every municipality's status, filters, counts, chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Municipality,
    Organisation,
    OrganisationKind,
    Report,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    Withdrawal,
    WithdrawalPart,
)
from cbs_monitor.services import (
    service_levels,
    withdrawals,
)
from cbs_monitor.services.permissions import Actor, delegating_codes
from cbs_monitor.services.review.common import (
    ReportSummary,
    ReviewRefused,
    aware,
    chunks,
    require_reviewer,
)

# The status of a municipality in a period, as the overview shows and filters it (in this order).
NOT_DELIVERED = "niet aangeleverd"
RECEIVED = "ontvangen"
TECHNICAL_ERROR = "technische fout"  # the check kept failing: CBS acts (never silence)
REJECTED = "technisch afgekeurd"
APPROVED = "technisch goedgekeurd"
READY = "op orde gereed"
STATUSES = (NOT_DELIVERED, RECEIVED, TECHNICAL_ERROR, REJECTED, APPROVED, READY)

# Sort keys of the overview; a leading "-" reverses.
SORTS = {
    "naam": "Gemeente (A-Z)",
    "code": "Gemeentecode",
    "status": "Status",
    "aanlevering": "Laatste aanlevering",
    "termijn": "Eerstvolgende termijn",
}
DEFAULT_SORT = "naam"
PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class OverviewRow:
    """One municipality in the overview of a period."""

    code: str
    name: str
    status: str
    delivery_count: int
    delivery_id: int | None  # the delivery the status is about (the one that counts)
    filename: str
    received_at: dt.datetime | None
    # A newer file than the one that counts was rejected: shown as such, it does not count.
    newer_rejected_filename: str
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


_LINE_COLUMNS = (
    Delivery.id,
    Delivery.municipality_code,
    Delivery.organisation_id,
    Delivery.filename,
    Delivery.received_at,
    Delivery.status,
    Delivery.override_status,
)


def _lines_that_matter(
    db: Session, period_code: str
) -> tuple[dict[str, _DeliveryLine], dict[str, _DeliveryLine], dict[str, int]]:
    """Per municipality, computed in the database (a period may hold tens of thousands of files):
    its latest delivery, the delivery its status is about, and how many it delivered.

    The one the status is about: a newer file still being checked, else the one that counts
    (the latest approved, CBS override included), else the latest file. Per municipality three
    small correlated look-ups on the (municipality, period, received) index, then one fetch of at
    most two files per municipality: the cost follows the number of municipalities, not files."""
    effective = func.coalesce(col(Delivery.override_status), col(Delivery.status))

    def newest(*conditions: Any) -> Any:
        return (
            select(col(Delivery.id))
            .where(
                col(Delivery.municipality_code) == col(Municipality.code),
                col(Delivery.period_code) == period_code,
                *conditions,
            )
            .order_by(col(Delivery.received_at).desc(), col(Delivery.id).desc())
            .limit(1)
            .correlate(Municipality)
            .scalar_subquery()
        )

    files = (
        select(func.count())
        .where(
            col(Delivery.municipality_code) == col(Municipality.code),
            col(Delivery.period_code) == period_code,
        )
        .correlate(Municipality)
        .scalar_subquery()
    )
    picks = db.exec(
        select(
            col(Municipality.code),
            newest().label("latest"),
            newest(effective == DeliveryStatus.approved).label("approved"),
            files.label("files"),
        )
    ).all()
    wanted = {
        i for _code, latest_id, approved_id, _n in picks for i in (latest_id, approved_id) if i
    }
    lines: dict[int, _DeliveryLine] = {}
    for chunk in chunks(sorted(wanted)):
        for row in db.exec(select(*_LINE_COLUMNS).where(col(Delivery.id).in_(chunk))).all():
            lines[row[0]] = _DeliveryLine(*row)
    latest: dict[str, _DeliveryLine] = {}
    relevant: dict[str, _DeliveryLine] = {}
    counts: dict[str, int] = {}
    for code, latest_id, approved_id, n in picks:
        if not latest_id:
            continue
        last = lines[latest_id]
        latest[code], counts[code] = last, int(n)
        counting = lines.get(approved_id) if approved_id else None
        relevant[code] = (
            last if last.effective == DeliveryStatus.received or not counting else counting
        )
    return latest, relevant, counts


def _status_of(line: _DeliveryLine | None, readiness: ReportSummary | None) -> str:
    if line is None:
        return NOT_DELIVERED
    if line.effective == DeliveryStatus.received:
        return RECEIVED
    if line.effective == DeliveryStatus.technical_error:
        return TECHNICAL_ERROR
    if line.effective == DeliveryStatus.rejected:
        return REJECTED
    if readiness is not None and readiness.status == ReportStatus.ready:
        return READY
    return APPROVED


def all_rows(db: Session, period_code: str, now: dt.datetime | None = None) -> list[OverviewRow]:
    """Every municipality of the country for a period, in a fixed handful of queries (no N+1)."""
    now = now or clock.now()
    municipalities = db.exec(
        select(Municipality.code, Municipality.name).order_by(Municipality.code)
    ).all()
    latest, relevant, counts = _lines_that_matter(db, period_code)

    reports: dict[tuple[int, ReportKind], ReportSummary] = {}
    ids = sorted(line.id for line in relevant.values() if line is not None)
    for chunk in chunks(ids):
        for rid, delivery_id, kind, status, created, released, due in db.exec(
            select(
                Report.id,
                Report.delivery_id,
                Report.kind,
                Report.status,
                Report.created_at,
                Report.released_at,
                Report.due_at,
            ).where(Report.delivery_id.in_(chunk))
        ).all():
            reports[(delivery_id, kind)] = ReportSummary.of(
                rid, status, created, released, due, now
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
        line = relevant.get(code)
        last = latest.get(code)
        technical = reports.get((line.id, ReportKind.technical)) if line else None
        readiness = reports.get((line.id, ReportKind.readiness)) if line else None
        shown = line or last
        org_name, org_kind = (
            organisations.get(shown.organisation_id, ("", None)) if shown else ("", None)
        )
        newer_rejected = (
            last is not None
            and line is not None
            and last.id != line.id
            and last.effective == DeliveryStatus.rejected
        )
        parts = sorted(withdrawn.get(code, []), key=part_order.index)
        rows.append(
            OverviewRow(
                code=code,
                name=name,
                status=_status_of(line, readiness),
                delivery_count=counts.get(code, 0),
                delivery_id=line.id if line else None,
                filename=shown.filename if shown else "",
                received_at=aware(shown.received_at) if shown else None,
                newer_rejected_filename=last.filename if newer_rejected and last else "",
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
    require_reviewer(actor)
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


@dataclasses.dataclass(frozen=True)
class ChartDay:
    """One day of the delivery window in the desk's chart."""

    dag: str  # dd-mm, the axis label
    datum: str  # ISO date
    aanleveringen: int
    goedgekeurd: int
    op_orde: int


def _local_day_bucket(column: Any, days: list[dt.date]) -> Any:
    """The index of the Dutch calendar day a stored moment falls on; -1 before the first day,
    len(days) after the last."""

    def start_of(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=clock.local_zone())
        return local.astimezone(clock.UTC)

    bounds = [start_of(day) for day in [*days, days[-1] + dt.timedelta(days=1)]]
    return case(
        (column < bounds[0], -1),
        *((column < bound, index) for index, bound in enumerate(bounds[1:])),
        else_=len(days),
    )


def daily_activity(db: Session, actor: Actor | None, period_code: str) -> list[ChartDay]:
    """Per day of the delivery window: files delivered, technically approved, op-orde reports ready."""
    require_reviewer(actor)
    period = db.get(ReportingPeriod, period_code)
    if period is None:
        raise ReviewRefused("Onbekende verslagperiode.")
    first, last = period.delivery_opens_on, period.delivery_closes_on
    window = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    effective = func.coalesce(col(Delivery.override_status), col(Delivery.status))
    # Counted in the database per Dutch calendar day: each day's end as a UTC moment (daylight
    # saving time included) makes one CASE bucket, the same SQL on SQLite and PostgreSQL.
    delivered_day = _local_day_bucket(col(Delivery.received_at), window)
    delivered: Counter[dt.date] = Counter()
    approved: Counter[dt.date] = Counter()
    for index, files, good in db.exec(
        select(
            delivered_day,
            func.count(),
            func.sum(case((effective == DeliveryStatus.approved, 1), else_=0)),
        )
        .where(Delivery.period_code == period_code)
        .group_by(delivered_day)
    ).all():
        if 0 <= index < len(window):
            delivered[window[index]] += int(files)
            approved[window[index]] += int(good or 0)
    ready_day = _local_day_bucket(col(Report.released_at), window)
    ready: Counter[dt.date] = Counter()
    for index, count in db.exec(
        select(ready_day, func.count())
        .join(Delivery, col(Delivery.id) == Report.delivery_id)
        .where(
            Delivery.period_code == period_code,
            Report.kind == ReportKind.readiness,
            Report.status == ReportStatus.ready,
            col(Report.released_at).is_not(None),
        )
        .group_by(ready_day)
    ).all():
        if 0 <= index < len(window):
            ready[window[index]] += int(count)
    days = []
    day = first
    while day <= last:
        days.append(
            ChartDay(
                dag=f"{day:%d-%m}",
                datum=day.isoformat(),
                aanleveringen=delivered[day],
                goedgekeurd=approved[day],
                op_orde=ready[day],
            )
        )
        day += dt.timedelta(days=1)
    return days
