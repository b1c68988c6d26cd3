"""One period on the fixed clock: each transition at its moment, and catching up after downtime."""

import datetime as dt

import pytest

from cbs_monitor import clock, scheduler
from cbs_monitor.models import ReportingPeriod
from cbs_monitor.services import periods
from tests.scheduler.conftest import ANNA, CARLA, DAAN, EVA, HANNA, local

D = dt.date
OPEN_MAILS = {
    f"delivery-window-opened/2026H1/{code}/user-{uid}"
    for code, uid in (
        ("0363", ANNA),
        ("0344", CARLA),
        ("0014", DAAN),
        ("0243", HANNA),
        ("0243", EVA),
        ("0233", EVA),
        ("0302", EVA),
    )
}


@pytest.fixture
def period(world):
    world.add_period(
        "2026H1",
        (D(2026, 7, 1), D(2026, 8, 31)),
        (D(2026, 9, 14), D(2026, 9, 25)),
        publication=D(2026, 10, 15),
    )
    return world


def run(world, *moment) -> list[str]:
    world.at(local(*moment))
    return scheduler.run_once().actions


def mail_keys(world) -> set[str]:
    return {m.key for m in world.outbox()}


def test_walk_through_a_period(period):
    w = period
    assert run(w, 2026, 6, 30, 23, 59, 59) == []
    assert w.outbox() == [] and w.messages() == []

    assert run(w, 2026, 7, 1, 0, 0, 0) == ["delivery-opened/2026H1"]
    assert mail_keys(w) == OPEN_MAILS
    assert all(m.sent_at for m in w.outbox())
    opened = w.messages("aanleverperiode_geopend")
    assert len(opened) == 342 and len({m.municipality_code for m in opened}) == 342
    assert opened[0].text == (
        "De aanleverperiode voor 2026H1 is geopend: 01-07-2026 tot en met "
        "31-08-2026. U kunt starten met aanleveren."
    )
    assert len(w.messages("notificatie_verstuurd")) == 7
    assert run(w, 2026, 7, 1, 0, 1) == []  # the next tick: nothing twice

    w.at(local(2026, 7, 8, 10))
    amsterdam = w.deliver("0363", "2026H1", approved=True)
    assert run(w, 2026, 8, 21, 23, 59) == []  # the day before the reminder day
    assert run(w, 2026, 8, 24, 0, 0, 1) == ["reminder/2026H1"]
    reminded = {k for k in mail_keys(w) if k.startswith("reminder/")}
    assert reminded == {
        f"reminder/2026H1/{c}/user-{u}"
        for c, u in (
            ("0344", CARLA),
            ("0014", DAAN),
            ("0243", HANNA),
            ("0243", EVA),
            ("0233", EVA),
            ("0302", EVA),
        )
    }
    assert run(w, 2026, 8, 25, 9) == []

    assert run(w, 2026, 8, 31, 23, 59, 59) == []  # the last day of the window still open
    assert periods.delivery_open(_period(w), clock.today())
    assert run(w, 2026, 9, 1, 0, 0, 0) == ["delivery-closed/2026H1/2026-08-31"]
    assert len(w.messages("aanleverperiode_gesloten")) == 342
    assert not periods.delivery_open(_period(w), clock.today())

    before = mail_keys(w)
    assert run(w, 2026, 9, 14, 0, 0, 1) == ["withdrawal-opened/2026H1"]
    assert mail_keys(w) - before == {f"withdrawal-window-opened/2026H1/0363/user-{ANNA}"}
    assert len(w.messages("intrekperiode_geopend")) == 342
    assert run(w, 2026, 9, 25, 23, 59, 59) == []
    assert run(w, 2026, 9, 26, 0, 0, 0) == ["withdrawal-closed/2026H1/2026-09-25"]
    assert len(w.messages("intrekperiode_gesloten")) == 342

    assert run(w, 2026, 12, 31, 12) == []
    assert w.events() == [
        "delivery-opened/2026H1",
        "reminder/2026H1",
        "delivery-closed/2026H1/2026-08-31",
        "withdrawal-opened/2026H1",
        "withdrawal-closed/2026H1/2026-09-25",
    ]
    # Every mail once, each in the Berichtenlog of its municipality once.
    keys = [m.key for m in w.outbox()]
    assert len(keys) == len(set(keys)) == 7 + 2 + 6 + 1
    assert len(w.messages("notificatie_verstuurd")) == len(keys)
    assert amsterdam


def _period(world) -> ReportingPeriod:
    with world.db.session() as s:
        return s.get(ReportingPeriod, "2026H1")


def test_server_down_at_opening_catches_up_while_the_window_is_open(period):
    assert run(period, 2026, 6, 20, 12) == []
    # Down from 20 June to 15 July: the opening mails go out late, once.
    assert run(period, 2026, 7, 15, 9) == ["delivery-opened/2026H1"]
    assert mail_keys(period) == OPEN_MAILS


def test_server_down_for_the_whole_window_announces_nothing_late(period):
    # Down from June to mid September: no "you can start delivering" for a closed window and
    # no "closed" for a window that was never opened; the withdrawal window is open: that one.
    assert run(period, 2026, 9, 15, 9) == ["withdrawal-opened/2026H1"]
    assert period.messages("aanleverperiode_geopend") == []
    assert period.messages("aanleverperiode_gesloten") == []
    assert mail_keys(period) == set()  # nobody has an approved delivery, so no withdrawal mail


def test_down_over_open_and_close_of_the_withdrawal_window(period):
    run(period, 2026, 7, 1, 9)
    assert run(period, 2026, 10, 1, 9) == ["delivery-closed/2026H1/2026-08-31"]


def test_extended_window_closes_again(period):
    run(period, 2026, 7, 1, 9)
    assert run(period, 2026, 9, 1, 9) == ["delivery-closed/2026H1/2026-08-31"]
    # CBS extends the delivery window by a week after it closed.
    period.add_period("2026H1", (D(2026, 7, 1), D(2026, 9, 7)), (D(2026, 9, 14), D(2026, 9, 25)))
    assert periods.delivery_open(_period(period), D(2026, 9, 2))
    # Open again and past its (new) reminder day, and nobody was reminded yet: now they are.
    assert run(period, 2026, 9, 2, 9) == ["reminder/2026H1"]
    assert run(period, 2026, 9, 3, 9) == []
    assert run(period, 2026, 9, 8, 9) == ["delivery-closed/2026H1/2026-09-07"]
    closed = period.messages("aanleverperiode_gesloten", code="0363")
    assert [m.text for m in closed] == [
        "De aanleverperiode voor 2026H1 is gesloten (laatste dag: 31-08-2026).",
        "De aanleverperiode voor 2026H1 is gesloten (laatste dag: 07-09-2026).",
    ]
    # The opening mails are not repeated.
    assert {k for k in mail_keys(period) if not k.startswith("reminder/")} == OPEN_MAILS


def test_a_period_added_while_its_window_is_open_opens_at_the_next_reconcile(world):
    assert run(world, 2026, 7, 2, 9) == []
    world.add_period("2026H1", (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))
    assert run(world, 2026, 7, 2, 9, 1) == ["delivery-opened/2026H1"]


def test_municipality_ended_before_the_window_gets_no_window_message(period):
    from cbs_monitor.models import Municipality

    with period.db.session() as s:
        gone = s.get(Municipality, "0014")
        gone.valid_to = D(2026, 6, 30)
        s.add(gone)
    run(period, 2026, 7, 1, 9)
    assert len(period.messages("aanleverperiode_geopend")) == 341
    assert period.messages("aanleverperiode_geopend", code="0014") == []


# --- periods as data: the service the /cbs page uses ---------------------------------------


def test_save_period_validates(world):
    good = {
        "delivery_opens_on": D(2026, 7, 1),
        "delivery_closes_on": D(2026, 8, 31),
        "withdrawal_opens_on": D(2026, 9, 14),
        "withdrawal_closes_on": D(2026, 9, 25),
    }
    with world.db.session() as s:
        for code, changes, message in (
            ("2026H3", {}, "geen geldige verslagperiode"),
            ("2026H1", {"delivery_closes_on": D(2026, 6, 30)}, "sluit voordat hij opent"),
            ("2026H1", {"withdrawal_closes_on": D(2026, 9, 1)}, "intrekperiode sluit voordat"),
            (
                "2026H1",
                {"withdrawal_opens_on": D(2026, 8, 31)},
                "na het sluiten van de aanleverperiode",
            ),
            ("2026H1", {"publication_date": D(2026, 9, 25)}, "publicatiedatum"),
            ("2026H1", {"delivery_opens_on": D(2025, 1, 1)}, "te vroeg"),
            ("2026H1", {"delivery_opens_on": None}, "openingsdatum aanleverperiode"),
        ):
            with pytest.raises(periods.PeriodError, match=message):
                periods.save_period(s, code, **{**good, **changes})
        created = periods.save_period(s, "2026H1", **good)
        assert (created.start_date, created.end_date) == (D(2026, 1, 1), D(2026, 6, 30))
    world.at(local(2026, 7, 3, 12))
    with world.db.session() as s:
        updated = periods.save_period(
            s,
            "2026H1",
            **{**good, "delivery_closes_on": D(2026, 9, 4), "publication_date": D(2026, 10, 1)},
        )
        assert updated.updated_at == local(2026, 7, 3, 12)
    with world.db.session() as s:
        row = s.get(ReportingPeriod, "2026H1")
        assert (row.delivery_closes_on, row.publication_date) == (D(2026, 9, 4), D(2026, 10, 1))


def test_reminder_date_counts_working_days_back(world, monkeypatch):
    p = ReportingPeriod(
        code="2026H1",
        start_date=D(2026, 1, 1),
        end_date=D(2026, 6, 30),
        delivery_opens_on=D(2026, 4, 1),
        delivery_closes_on=D(2026, 5, 6),
        withdrawal_opens_on=D(2026, 6, 1),
        withdrawal_closes_on=D(2026, 6, 12),
    )
    # Back from Wed 6 May over Liberation Day (5) and King's Day (27 April).
    assert periods.reminder_date(p, 1) == D(2026, 5, 4)
    assert periods.reminder_date(p, 3) == D(2026, 4, 30)
    assert periods.reminder_date(p, 6) == D(2026, 4, 24)
    assert periods.reminder_date(p, 100) == D(2026, 4, 1)  # never before the window opens
    monkeypatch.setenv("CBS_MONITOR_REMINDER_WORKING_DAYS", "2")
    from cbs_monitor.settings import reset_settings

    reset_settings()
    assert periods.reminder_date(p) == D(2026, 5, 1)
