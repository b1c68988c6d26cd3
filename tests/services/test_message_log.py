"""The Berichtenlog: a range of dates, pages, and the mails of one event on one line."""

from __future__ import annotations

import datetime as dt

import pytest

from cbs_monitor import clock
from cbs_monitor.models import Message
from cbs_monitor.services import message_log, messages
from cbs_monitor.services.errors import Refused

T = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _message(minutes: int, kind: str, text: str, **extra) -> Message:
    return Message(
        municipality_code="0363",
        kind=kind,
        text=text,
        created_at=T + dt.timedelta(minutes=minutes),
        **extra,
    )


def test_mails_of_one_event_are_one_line_and_other_lines_stay():
    found = [  # newest first, as the log lists them
        _message(
            3,
            messages.NOTIFICATION_KIND,
            "E-mail verstuurd aan Bram (b@x): Rapport klaar",
            delivery_id=7,
            period_code="2026H1",
        ),
        _message(
            2,
            messages.NOTIFICATION_KIND,
            "E-mail verstuurd aan Anna (a@x): Rapport klaar",
            delivery_id=7,
            period_code="2026H1",
        ),
        _message(1, "technisch_rapport", "Technisch rapport van x.csv: Goedgekeurd", delivery_id=7),
        _message(
            0,
            messages.NOTIFICATION_KIND,
            "E-mail verstuurd aan Anna (a@x): Iets anders",
            delivery_id=6,
        ),
    ]
    rows = message_log.grouped_rows(found)
    assert [r.text for r in rows] == [
        "E-mail verstuurd aan Bram (b@x) en Anna (a@x): Rapport klaar",
        "Technisch rapport van x.csv: Goedgekeurd",
        "E-mail verstuurd aan Anna (a@x): Iets anders",
    ]
    assert rows[0].is_notification and rows[0].period == "2026H1" and not rows[1].is_notification


@pytest.mark.parametrize(
    "start,end,message",
    [
        ("", "01-01-2026", "geldige"),
        ("31-12-2026", "01-01-2026", "voor de startdatum"),
        ("01-01-2020", "01-01-2026", "drie jaar"),
    ],
)
def test_bad_ranges_are_refused_in_dutch(start, end, message):
    with pytest.raises(Refused, match=message):
        message_log.parse_range(start, end)


def test_both_date_notations_are_accepted():
    clock.set_fixed(T)
    assert message_log.parse_range("01-02-2026", "2026-02-03") == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 3),
    )
