"""The /cbs desk page: one page of the country overview, its counts per status and the chart."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from cbs_monitor import clock, dutch
from cbs_monitor.services.permissions import Actor
from cbs_monitor.services.review import periods as review_periods
from cbs_monitor.services.review.common import (
    ReportCell,
    ReviewRefused,
    report_cell,
    require_reviewer,
)
from cbs_monitor.services.review.overview import (
    DEFAULT_SORT,
    PAGE_SIZE,
    STATUSES,
    ChartDay,
    OverviewRow,
    daily_activity,
    overview,
)
from cbs_monitor.settings import get_settings


@dataclasses.dataclass(frozen=True)
class OverviewQuery:
    """The reviewer's filters, as the desk page holds them."""

    period_code: str = ""
    status: str = ""
    search: str = ""
    overdue_only: bool = False
    held_only: bool = False
    sort: str = DEFAULT_SORT
    page: int = 1


@dataclasses.dataclass(frozen=True)
class DeskRow:
    """One municipality in the desk's table, ready to show."""

    code: str
    name: str
    status: str
    filename: str
    received: str
    file_count: str  # "3 bestanden" when more than one file was delivered
    newer_rejected_filename: str
    delivered_by: str
    by_cooperative: bool
    delegating: bool
    overridden: bool
    overdue: bool
    withdrawn: str
    technical: ReportCell
    readiness: ReportCell


@dataclasses.dataclass(frozen=True)
class StatusCount:
    status: str
    count: int


@dataclasses.dataclass(frozen=True)
class DeskView:
    query: OverviewQuery
    period_options: tuple[str, ...]
    rows: tuple[DeskRow, ...]
    total: int
    page_count: int
    shown_range: str  # "1–50 van 342 gemeenten"
    status_counts: tuple[StatusCount, ...]
    all_count: int
    overdue_count: int
    held_count: int
    chart: tuple[ChartDay, ...]  # empty unless asked for (it changes with the period only)
    release_mode: str


def desk_row(row: OverviewRow) -> DeskRow:
    return DeskRow(
        code=row.code,
        name=row.name,
        status=row.status,
        filename=row.filename,
        received=clock.format_local(row.received_at),
        file_count=f"{row.delivery_count} bestanden" if row.delivery_count > 1 else "",
        newer_rejected_filename=row.newer_rejected_filename,
        delivered_by=row.delivered_by,
        by_cooperative=row.delivered_by_cooperative,
        delegating=row.delegating,
        overridden=row.overridden,
        overdue=row.overdue,
        withdrawn=", ".join(row.withdrawn_parts),
        technical=report_cell(row.technical),
        readiness=report_cell(row.readiness),
    )


def desk_view(db: Session, actor: Actor, query: OverviewQuery, *, with_chart: bool) -> DeskView:
    """The /cbs overview page: one page of rows, the counts per status and (when asked) the chart.
    Without a period it opens on the default one; an unknown period or filter is refused."""
    require_reviewer(actor)
    options = tuple(p.code for p in review_periods.period_list(db, actor))
    period_code = query.period_code if query.period_code in options else ""
    if query.period_code and not period_code:
        raise ReviewRefused("Onbekende verslagperiode.")
    period_code = period_code or review_periods.default_period(db) or ""
    query = dataclasses.replace(query, period_code=period_code)
    if not period_code:
        return DeskView(query, options, (), 0, 1, "Geen gemeenten", (), 0, 0, 0, (), release_mode())
    rows, total, counts = overview(
        db,
        actor,
        period_code,
        status=query.status or None,
        search=query.search,
        overdue_only=query.overdue_only,
        held_only=query.held_only,
        sort=query.sort,
        offset=(max(1, query.page) - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if query.page > pages:  # the filters shrank the list: show its last page
        return desk_view(db, actor, dataclasses.replace(query, page=pages), with_chart=with_chart)
    page = max(1, query.page)
    first = (page - 1) * PAGE_SIZE + 1
    return DeskView(
        query=dataclasses.replace(query, page=page),
        period_options=options,
        rows=tuple(desk_row(r) for r in rows),
        total=total,
        page_count=pages,
        shown_range=(
            f"{first}–{min(page * PAGE_SIZE, total)} van {dutch.number(total)} gemeenten"
            if total
            else "Geen gemeenten"
        ),
        status_counts=tuple(StatusCount(s, counts.by_status[s]) for s in STATUSES),
        all_count=counts.total,
        overdue_count=counts.overdue,
        held_count=counts.held,
        chart=tuple(daily_activity(db, actor, period_code)) if with_chart else (),
        release_mode=release_mode(),
    )


def release_mode() -> str:
    if get_settings().readiness_release == "review":
        return "na beoordeling door CBS"
    return "automatisch na technische goedkeuring"
