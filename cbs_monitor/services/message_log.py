"""Tab Berichtenlog: a municipality's messages between two dates, one page at a time, and as .xlsx."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session

from cbs_monitor import clock, dutch, routes
from cbs_monitor.models import Message
from cbs_monitor.services import downloads, messages, report_files
from cbs_monitor.services.errors import Refused
from cbs_monitor.services.permissions import Action, Actor, require

PAGE_SIZE = 25
MAX_RANGE_DAYS = 3 * 366
DEFAULT_DAYS = 30


@dataclasses.dataclass(frozen=True)
class MessageRow:
    """One line of the Berichtenlog as every page shows it."""

    id: int
    when: str
    kind: str
    period: str
    text: str
    is_decision: bool  # a CBS decision stands out
    is_notification: bool = False  # a mail about the event next to it: shown small, beneath it


def message_row(message: Message) -> MessageRow:
    return MessageRow(
        id=message.id or 0,
        when=clock.format_local(message.created_at),
        kind=messages.kind_label(message.kind),
        period=message.period_code or "",
        text=message.text,
        is_decision=message.kind == messages.DECISION_KIND,
        is_notification=message.kind == messages.NOTIFICATION_KIND,
    )


_SENT_TO = "E-mail verstuurd aan "


def grouped_rows(found: list[Message]) -> tuple[MessageRow, ...]:
    """The mails of one event (same delivery or period, same subject, sent together) as one line
    ("E-mail verstuurd aan A en B: …"), so every event is not repeated per recipient."""
    rows: list[MessageRow] = []
    group: list[Message] = []

    def subject(m: Message) -> str:
        return m.text.split(": ", 1)[1] if ": " in m.text else m.text

    def flush() -> None:
        if not group:
            return
        first = message_row(group[0])
        if len(group) > 1:
            names = [m.text.removeprefix(_SENT_TO).split(": ", 1)[0] for m in group]
            who = ", ".join(names[:-1]) + " en " + names[-1]
            first = dataclasses.replace(first, text=f"{_SENT_TO}{who}: {subject(group[0])}")
        rows.append(first)
        group.clear()

    for message in found:
        same = bool(group) and (
            message.kind == messages.NOTIFICATION_KIND
            and (message.delivery_id, message.period_code, subject(message))
            == (group[0].delivery_id, group[0].period_code, subject(group[0]))
        )
        if not same:
            flush()
        if message.kind == messages.NOTIFICATION_KIND:
            group.append(message)
        else:
            rows.append(message_row(message))
    flush()
    return tuple(rows)


@dataclasses.dataclass(frozen=True)
class MessageLogView:
    start: str  # dd-mm-jjjj, as the date fields show them
    end: str
    rows: tuple[MessageRow, ...]
    total: int
    page: int
    page_count: int


def page_count(total: int, size: int) -> int:
    """Pages needed for `total` rows of `size` (at least one, so 'Pagina 1 van 1' reads right)."""
    return max(1, -(-total // size))


def parse_range(start: str, end: str) -> tuple[dt.date, dt.date]:
    """Both dates (dd-mm-jjjj or jjjj-mm-dd), checked; Refused with a Dutch message otherwise."""
    first, last = dutch.parse_date(start), dutch.parse_date(end)
    if first is None or last is None:
        raise Refused("Kies een geldige startdatum en einddatum (dd-mm-jjjj).")
    if last < first:
        raise Refused("De einddatum ligt voor de startdatum.")
    if (last - first).days > MAX_RANGE_DAYS:
        raise Refused("Kies een periode van maximaal drie jaar.")
    return first, last


def message_log(
    db: Session,
    actor: Actor,
    municipality_code: str,
    start: str = "",
    end: str = "",
    page: int = 1,
) -> MessageLogView:
    """One page of the Berichtenlog; without dates the last 30 days up to today."""
    require(actor, Action.view, municipality_code)
    if not start and not end:
        today = clock.today()
        start, end = (today - dt.timedelta(days=DEFAULT_DAYS)).isoformat(), today.isoformat()
    first, last = parse_range(start, end)
    total = messages.count_messages(db, municipality_code, first, last)
    pages = page_count(total, PAGE_SIZE)
    page = min(max(1, int(page)), pages)
    found = messages.list_messages(
        db, municipality_code, first, last, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return MessageLogView(
        start=dutch.date(first),
        end=dutch.date(last),
        rows=grouped_rows(found),
        total=total,
        page=page,
        page_count=pages,
    )


def message_log_download(
    db: Session, actor: Actor, municipality_code: str, start: str, end: str
) -> str:
    """A single-use link to the same list as .xlsx."""
    require(actor, Action.view, municipality_code)
    first, last = parse_range(start, end)
    token = downloads.grant(
        db,
        actor.user_id,
        report_files.MESSAGE_LOG_KIND,
        municipality_code=municipality_code,
        start=first.isoformat(),
        end=last.isoformat(),
    )
    return routes.download(token)
