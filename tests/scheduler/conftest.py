"""Scheduler test fixtures: a seeded database on a fixed clock, deliveries, a real SMTP server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import shutil
import socket
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Message,
    Organisation,
    OutboxMail,
    PeriodEvent,
    Report,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
)
from cbs_monitor.services import notifications, periods, service_levels
from cbs_monitor.settings import reset_settings

NL = ZoneInfo("Europe/Amsterdam")

# The demo users who get mail (seed data): user id -> (name, address)
ANNA, CARLA, DAAN, HANNA, EVA, FRANK = 1, 3, 4, 5, 6, 7
ADDRESS = {
    ANNA: "anna.devries@amsterdam.example",
    CARLA: "carla.bakker@utrecht.example",
    DAAN: "daan.visser@groningen.example",
    HANNA: "hanna.kok@harderwijk.example",
    EVA: "eva.mulder@noord-veluwe.example",
    FRANK: "f.deboer@cbs.example",
}
# Municipality -> users who get its mail: product managers, plus Eva for the delegating three.
RECIPIENTS = {
    "0363": [ANNA],
    "0344": [CARLA],
    "0014": [DAAN],
    "0243": [HANNA, EVA],
    "0233": [EVA],
    "0302": [EVA],
}
ENV_TO_CLEAR = (
    "CBS_MONITOR_CLOCK_FIXED",
    "CBS_MONITOR_CLOCK_SHIFT_DAYS",
    "CBS_MONITOR_DATABASE_URL",
    "CBS_MONITOR_SMTP_HOST",
    "CBS_MONITOR_SMTP_PORT",
    "CBS_MONITOR_SMTP_STARTTLS",
    "CBS_MONITOR_SMTP_USER",
    "CBS_MONITOR_SMTP_PASSWORD",
    "CBS_MONITOR_MAIL_FROM",
    "CBS_MONITOR_REMINDER_WORKING_DAYS",
    "CBS_MONITOR_RETENTION_DAYS",
    "CBS_MONITOR_SCHEDULER_ENABLED",
    "CBS_MONITOR_READINESS_RELEASE",
    "SSL_CERT_FILE",
)


def local(*args: int) -> dt.datetime:
    """A Dutch local moment, e.g. local(2026, 7, 1, 8)."""
    return dt.datetime(*args, tzinfo=NL)


@dataclasses.dataclass
class World:
    """The seeded database plus helpers to act in it."""

    db: object  # the cbs_monitor.db module
    data_dir: Path

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def at(self, moment: dt.datetime) -> None:
        clock.set_fixed(moment)

    def add_period(
        self,
        code: str,
        delivery: tuple[dt.date, dt.date],
        withdrawal: tuple[dt.date, dt.date],
        publication: dt.date | None = None,
    ) -> None:
        with self.db.session() as s:
            periods.save_period(
                s,
                code,
                delivery_opens_on=delivery[0],
                delivery_closes_on=delivery[1],
                withdrawal_opens_on=withdrawal[0],
                withdrawal_closes_on=withdrawal[1],
                publication_date=publication,
            )

    def deliver(
        self,
        code: str,
        period: str,
        *,
        approved: bool,
        hold_readiness: bool = False,
        filename: str | None = None,
        storage_key: str | None = None,
    ) -> int:
        """What the deliveries service does on receipt and on technical approval, with the
        notification calls it makes. Returns the delivery id."""
        now = clock.now()
        with self.db.session() as s:
            org = s.exec(select(Organisation).where(Organisation.municipality_code == code)).first()
            if org is None:  # a delegating municipality delivers through the cooperative
                org = s.exec(
                    select(Organisation).where(Organisation.kind == "samenwerkingsverband")
                ).first()
            earlier = s.exec(
                select(Delivery).where(
                    Delivery.municipality_code == code,
                    Delivery.period_code == period,
                    Delivery.replaced_by_id.is_(None),
                )
            ).all()
            name = filename or f"WMO_{code}_{period}_{clock.today():%Y%m%d}.csv"
            delivery = Delivery(
                municipality_code=code,
                period_code=period,
                organisation_id=org.id,
                filename=name,
                size=1234,
                sha256=hashlib.sha256(name.encode()).hexdigest(),
                storage_key=storage_key or f"files/{code}/{period}/{now.timestamp()}",
                received_at=now,
                records_read=120,
                records_valid=118 if approved else 90,
                records_with_errors=2 if approved else 30,
                status=DeliveryStatus.approved if approved else DeliveryStatus.rejected,
            )
            s.add(delivery)
            s.flush()
            if approved:  # as deliveries.record: the latest approved delivery replaces the rest
                for old in earlier:
                    old.replaced_by_id = delivery.id
                    s.add(old)
            technical = Report(
                delivery_id=delivery.id,
                kind=ReportKind.technical,
                created_at=now,
                status=ReportStatus.approved if approved else ReportStatus.rejected,
                due_at=service_levels.technical_due(now),
            )
            s.add(technical)
            s.flush()
            notifications.technical_report_ready(s, delivery, technical)
            if approved:
                readiness = Report(
                    delivery_id=delivery.id,
                    kind=ReportKind.readiness,
                    status=ReportStatus.held if hold_readiness else ReportStatus.ready,
                    created_at=now,
                    due_at=service_levels.readiness_due(now),
                )
                s.add(readiness)
                s.flush()
                notifications.readiness_report_ready(s, delivery, readiness)
            return delivery.id

    def release_readiness(self, delivery_id: int) -> None:
        with self.db.session() as s:
            report = s.exec(
                select(Report).where(
                    Report.delivery_id == delivery_id, Report.kind == ReportKind.readiness
                )
            ).one()
            report.status = ReportStatus.ready
            report.released_at = clock.now()
            s.add(report)
            s.flush()
            notifications.readiness_report_ready(s, s.get(Delivery, delivery_id), report)

    def outbox(self) -> list[OutboxMail]:
        with self.db.session() as s:
            return list(s.exec(select(OutboxMail).order_by(OutboxMail.id)).all())

    def events(self) -> list[str]:
        with self.db.session() as s:
            return list(s.exec(select(PeriodEvent.key).order_by(PeriodEvent.id)).all())

    def messages(self, kind: str | None = None, code: str | None = None) -> list[Message]:
        with self.db.session() as s:
            query = select(Message).order_by(Message.id)
            if kind:
                query = query.where(Message.kind == kind)
            if code:
                query = query.where(Message.municipality_code == code)
            return list(s.exec(query).all())

    def eml_files(self) -> dict[str, email.message.EmailMessage]:
        """Key -> parsed mail of every .eml in the outbox folder."""
        found: dict[str, email.message.EmailMessage] = {}
        for path in sorted(self.outbox_dir.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            key = msg["X-CBS-Monitor-Key"]
            assert key not in found, f"two .eml files for {key}"
            found[key] = msg
        return found


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield
    clock.set_fixed(None)
    reset_settings()


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Path:
    """Migrated and seeded once per session; each test gets its own copy (a file copy costs
    milliseconds, migrating and seeding 342 municipalities half a second on a busy machine)."""
    from cbs_monitor import db, migrations
    from cbs_monitor.services import demo_data

    folder = tmp_path_factory.mktemp("template") / "data"
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_TO_CLEAR:
            mp.delenv(name, raising=False)
        mp.setenv("CBS_MONITOR_DATA_DIR", str(folder))
        reset_settings()
        migrations.upgrade()
        clock.set_fixed(local(2026, 1, 2, 9))
        with db.session() as s:
            demo_data.seed_demo(s)
            s.execute(delete(ReportingPeriod))
        with db.get_engine().connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.get_engine().dispose()
        clock.set_fixed(None)
    reset_settings()
    return folder / "cbs_monitor.db"


@pytest.fixture
def world(data_dir, _template_db) -> World:
    """A migrated database seeded with the demo set-up (342 municipalities, demo users) but no
    periods, of its own, on a fixed clock (2 January 2026, 09:00)."""
    from cbs_monitor import db

    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template_db, data_dir / "cbs_monitor.db")
    clock.set_fixed(local(2026, 1, 2, 9))
    return World(db=db, data_dir=data_dir)


def body_text(msg: email.message.EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def body_html(msg: email.message.EmailMessage) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


# --- a real SMTP server on loopback -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects what a real aiosmtpd server received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()  # addresses answered with 550
        self.fail_next = 0  # answer the next N messages with 451

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"

    def by_key(self) -> dict[str, list[email.message.EmailMessage]]:
        with self.lock:
            found: dict[str, list] = {}
            for _, _, msg in self.received:
                found.setdefault(msg["X-CBS-Monitor-Key"], []).append(msg)
            return found


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on 127.0.0.1 (plain); the portal is configured to use it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CBS_MONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CBS_MONITOR_SMTP_PORT", str(port))
    monkeypatch.setenv("CBS_MONITOR_SMTP_STARTTLS", "0")
    reset_settings()
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()
        reset_settings()
