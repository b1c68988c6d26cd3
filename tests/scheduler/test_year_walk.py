"""Done-when: a year of periods on the fixed clock gives exactly the expected transitions and mails,
in the outbox folder by default and through a real SMTP server when configured."""

import datetime as dt

import pytest
from sqlmodel import select

from cbs_monitor import clock, scheduler
from cbs_monitor.models import Delivery, OutboxMail, PeriodEvent
from cbs_monitor.services import retention
from tests.scheduler.conftest import ADDRESS, ANNA, CARLA, DAAN, EVA, FRANK, HANNA, body_text, local

D = dt.date
PEOPLE = {
    "0363": [ANNA],
    "0344": [CARLA],
    "0014": [DAAN],
    "0243": [HANNA, EVA],
    "0233": [EVA],
    "0302": [EVA],
}


class FakeStore:
    def __init__(self):
        self.deleted: list[str] = []

    def delete(self, key: str) -> bool:
        self.deleted.append(key)
        return True


def _window_mails(kind: str, period: str, codes) -> list[str]:
    return [f"{kind}/{period}/{code}/user-{uid}" for code in codes for uid in PEOPLE[code]]


def _report_mails(kind: str, delivery_id: int, code: str) -> list[str]:
    return [f"{kind}/{delivery_id}/user-{uid}" for uid in PEOPLE[code]]


def walk_year(world, monkeypatch):
    """Every day of 2026 at 08:00, plus the deliveries and releases of the municipalities at
    their own moments; the scheduler's run_once after each. Returns what happened when."""
    monkeypatch.setenv("CBS_MONITOR_RETENTION_DAYS", "90")
    from cbs_monitor.settings import reset_settings

    reset_settings()
    store = FakeStore()
    monkeypatch.setattr(retention, "default_store", lambda: store)
    world.add_period(
        "2025H2",
        (D(2026, 1, 5), D(2026, 2, 27)),
        (D(2026, 3, 12), D(2026, 3, 23)),
        publication=D(2026, 4, 15),
    )
    world.add_period(
        "2026H1",
        (D(2026, 7, 1), D(2026, 8, 31)),
        (D(2026, 9, 14), D(2026, 9, 25)),
        publication=D(2026, 10, 15),
    )
    world.add_period("2026H2", (D(2027, 1, 4), D(2027, 2, 26)), (D(2027, 3, 11), D(2027, 3, 22)))

    ids: dict[str, int] = {}
    happenings = {
        D(2026, 1, 12): [
            (10, lambda: ids.__setitem__("ams", world.deliver("0363", "2025H2", approved=True)))
        ],
        D(2026, 1, 20): [
            (11, lambda: ids.__setitem__("utr1", world.deliver("0344", "2025H2", approved=False)))
        ],
        D(2026, 2, 2): [
            (
                14,
                lambda: ids.__setitem__(
                    "hdw", world.deliver("0243", "2025H2", approved=True, hold_readiness=True)
                ),
            )
        ],
        D(2026, 2, 9): [(10, lambda: world.release_readiness(ids["hdw"]))],
        D(2026, 2, 23): [
            (9, lambda: ids.__setitem__("utr2", world.deliver("0344", "2025H2", approved=True)))
        ],
        D(2026, 7, 7): [
            (9, lambda: ids.__setitem__("gro", world.deliver("0014", "2026H1", approved=True)))
        ],
    }
    mails_on: dict[str, D] = {}
    events_on: dict[str, D] = {}

    def observe(day: D) -> None:
        with world.db.session() as s:
            for key in s.exec(select(OutboxMail.key)).all():
                mails_on.setdefault(key, day)
            for key in s.exec(select(PeriodEvent.key)).all():
                events_on.setdefault(key, day)

    day = D(2026, 1, 1)
    while day <= D(2026, 12, 31):
        world.at(local(day.year, day.month, day.day, 8))
        scheduler.run_once()
        observe(day)
        for hour, act in happenings.get(day, []):
            world.at(local(day.year, day.month, day.day, hour))
            act()
            scheduler.run_once()
            observe(day)
        day += dt.timedelta(days=1)
    return ids, mails_on, events_on, store


def expected_mails(ids) -> dict[str, D]:
    expected: dict[str, D] = {}

    def add(day, keys):
        for key in keys:
            assert key not in expected, key
            expected[key] = day

    six = ["0014", "0233", "0243", "0302", "0344", "0363"]
    add(D(2026, 1, 5), _window_mails("delivery-window-opened", "2025H2", six))
    add(
        D(2026, 1, 12),
        _report_mails("technical-report", ids["ams"], "0363")
        + _report_mails("readiness-report", ids["ams"], "0363"),
    )
    add(D(2026, 1, 20), _report_mails("technical-report", ids["utr1"], "0344"))
    add(D(2026, 2, 2), _report_mails("technical-report", ids["hdw"], "0243"))
    # Harderwijk's op-orde report was held for review, due Wed 4 Feb, released Mon 9 Feb:
    # the CBS reviewer gets a digest on each working day it was due soon or overdue.
    for day in (D(2026, 2, 3), D(2026, 2, 4), D(2026, 2, 5), D(2026, 2, 6), D(2026, 2, 9)):
        add(day, [f"cbs-digest/{day.isoformat()}/user-{FRANK}"])
    add(D(2026, 2, 9), _report_mails("readiness-report", ids["hdw"], "0243"))
    # Reminder 5 working days before Fri 27 Feb: everyone without an approved delivery.
    add(D(2026, 2, 20), _window_mails("reminder", "2025H2", ["0014", "0233", "0302", "0344"]))
    add(
        D(2026, 2, 23),
        _report_mails("technical-report", ids["utr2"], "0344")
        + _report_mails("readiness-report", ids["utr2"], "0344"),
    )
    add(
        D(2026, 3, 12),
        _window_mails("withdrawal-window-opened", "2025H2", ["0243", "0344", "0363"]),
    )
    add(D(2026, 7, 1), _window_mails("delivery-window-opened", "2026H1", six))
    add(
        D(2026, 7, 7),
        _report_mails("technical-report", ids["gro"], "0014")
        + _report_mails("readiness-report", ids["gro"], "0014"),
    )
    # Reminder 5 working days before Mon 31 Aug is Mon 24 Aug.
    add(
        D(2026, 8, 24),
        _window_mails("reminder", "2026H1", ["0233", "0243", "0302", "0344", "0363"]),
    )
    add(D(2026, 9, 14), _window_mails("withdrawal-window-opened", "2026H1", ["0014"]))
    return expected


EXPECTED_EVENTS = {
    "delivery-opened/2025H2": D(2026, 1, 5),
    "reminder/2025H2": D(2026, 2, 20),
    "delivery-closed/2025H2/2026-02-27": D(2026, 2, 28),
    "withdrawal-opened/2025H2": D(2026, 3, 12),
    "withdrawal-closed/2025H2/2026-03-23": D(2026, 3, 24),
    "delivery-opened/2026H1": D(2026, 7, 1),
    "reminder/2026H1": D(2026, 8, 24),
    "delivery-closed/2026H1/2026-08-31": D(2026, 9, 1),
    "withdrawal-opened/2026H1": D(2026, 9, 14),
    "withdrawal-closed/2026H1/2026-09-25": D(2026, 9, 26),
}


def _check_year(world, ids, mails_on, events_on, store):
    assert events_on == EXPECTED_EVENTS
    assert mails_on == expected_mails(ids)
    outbox = world.outbox()
    assert all(m.sent_at is not None and m.attempts == 1 for m in outbox)
    # Sent at the run that queued them (the scheduler sends within seconds).
    assert all(clock.to_local(m.sent_at).date() == mails_on[m.key] for m in outbox)
    # Berichtenlog: windows for all 342 municipalities, each mail to a municipality once.
    for kind in (
        "aanleverperiode_geopend",
        "aanleverperiode_gesloten",
        "intrekperiode_geopend",
        "intrekperiode_gesloten",
    ):
        assert len(world.messages(kind)) == 2 * 342, kind
    to_municipalities = [m for m in outbox if m.municipality_code]
    assert sorted(m.key for m in world.messages("notificatie_verstuurd")) == sorted(
        f"notificatie/{m.key}" for m in to_municipalities
    )
    amsterdam = [
        (m.kind, clock.to_local(m.created_at).date())
        for m in world.messages(code="0363")
        if m.kind != "notificatie_verstuurd"
    ]
    assert amsterdam == [
        ("aanleverperiode_geopend", D(2026, 1, 5)),
        ("aanleverperiode_gesloten", D(2026, 2, 28)),
        ("intrekperiode_geopend", D(2026, 3, 12)),
        ("intrekperiode_gesloten", D(2026, 3, 24)),
        ("aanleverperiode_geopend", D(2026, 7, 1)),
        ("aanleverperiode_gesloten", D(2026, 9, 1)),
        ("intrekperiode_geopend", D(2026, 9, 14)),
        ("intrekperiode_gesloten", D(2026, 9, 26)),
    ]
    # Retention: 90 days after publication on 15 April, the 2025H2 files went on 14 July.
    with world.db.session() as s:
        rows = {d.id: d for d in s.exec(select(Delivery))}
    old = [ids[k] for k in ("ams", "utr1", "hdw", "utr2")]
    assert len(store.deleted) == 4
    for delivery_id in old:
        assert rows[delivery_id].storage_key is None
        assert clock.to_local(rows[delivery_id].file_deleted_at).date() == D(2026, 7, 14)
    assert rows[ids["gro"]].storage_key is not None and rows[ids["gro"]].file_deleted_at is None


def test_a_year_of_periods_into_the_outbox_folder(world, monkeypatch):
    ids, mails_on, events_on, store = walk_year(world, monkeypatch)
    _check_year(world, ids, mails_on, events_on, store)
    files = world.eml_files()
    assert sorted(files) == sorted(mails_on)
    opened = files[f"delivery-window-opened/2026H1/0243/user-{EVA}"]
    assert opened["To"] == f"Eva Mulder <{ADDRESS[EVA]}>"
    assert (
        opened["Subject"]
        == "U kunt starten met aanleveren: CBS Monitor 2026H1 (gemeente Harderwijk)"
    )
    assert "01-07-2026 tot en met 31-08-2026" in body_text(opened)
    reminder = body_text(files[f"reminder/2025H2/0344/user-{CARLA}"])
    assert "vrijdag 27 februari 2026" in reminder and "niet goedgekeurd" in reminder
    assert "nog geen aanlevering ontvangen" in body_text(files[f"reminder/2025H2/0014/user-{DAAN}"])
    withdrawal = body_text(files[f"withdrawal-window-opened/2025H2/0243/user-{HANNA}"])
    assert "formulier van het CBS" in withdrawal  # Harderwijk delegates: withdraw via the form
    assert "formulier van het CBS" not in body_text(
        files[f"withdrawal-window-opened/2025H2/0363/user-{ANNA}"]
    )
    digest = body_text(files[f"cbs-digest/2026-02-06/user-{FRANK}"])
    assert "Harderwijk (0243)" in digest and "2 werkdag(en) te laat" in digest


@pytest.mark.usefixtures("smtp_server")
def test_a_year_of_periods_through_a_real_smtp_server(world, monkeypatch, smtp_server):
    ids, mails_on, events_on, store = walk_year(world, monkeypatch)
    _check_year(world, ids, mails_on, events_on, store)
    received = smtp_server.by_key()
    assert sorted(received) == sorted(mails_on)
    assert all(len(copies) == 1 for copies in received.values())
    rcpts = {msg["X-CBS-Monitor-Key"]: rcpt for _, rcpt, msg in smtp_server.received}
    for key, rcpt in rcpts.items():
        uid = int(key.rsplit("user-", 1)[1])
        assert rcpt == [ADDRESS[uid]], key
    assert not list(world.outbox_dir.glob("*.eml"))
