"""Sends the outbox over SMTP when configured, else as .eml files in a folder; retries with backoff.

Each mail is claimed with one conditional UPDATE before it is sent and marked sent right after,
each step its own short transaction, so two senders never send the same row and a crash can at
most repeat the one mail that was in flight (SMTP) — an .eml is rewritten under the same name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Iterator
from email import charset as email_charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Protocol

from sqlalchemy import or_, update
from sqlmodel import Session, select

from cbs_monitor import clock
from cbs_monitor import db as database
from cbs_monitor.models import OutboxMail
from cbs_monitor.services import messages
from cbs_monitor.settings import Settings, get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 6 * 3600
# A claimed mail whose sender died is tried again after this.
CLAIM_SECONDS = 300
BATCH = 100

_UTF8_QP = email_charset.Charset("utf-8")
_UTF8_QP.body_encoding = email_charset.QP  # readable in a text editor, 7-bit safe for any server


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    return dt.timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


class Transport(Protocol):
    def send(self, message: Message, mail: OutboxMail) -> None: ...


class EmlFolder:
    """The embedded default: each mail as an .eml file that any mail client opens."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path_for(self, mail: OutboxMail) -> Path:
        slug = re.sub(r"[^A-Za-z0-9.-]+", "_", mail.key)[:150]
        return self.folder / f"{mail.id:06d}-{slug}.eml"

    def send(self, message: Message, mail: OutboxMail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(mail)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(message.as_bytes())
        os.replace(tmp, target)  # whole file or none, and a repeat overwrites instead of doubling


class TransportUnavailable(Exception):
    """The mail server cannot be reached or refuses our login: nothing in this batch can go."""


class SmtpServer:
    """One connection for a batch; STARTTLS and login when configured, implicit TLS on 465."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.smtp_port == 465:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=30, context=context
            )
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
            if s.smtp_starttls:
                conn.starttls(context=context)
        if s.smtp_user:
            conn.login(s.smtp_user, s.smtp_password)
        return conn

    def send(self, message: Message, mail: OutboxMail) -> None:
        if self._conn is None:
            try:
                self._conn = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                raise TransportUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            self._conn.send_message(
                message,
                from_addr=email.utils.parseaddr(self.settings.mail_from)[1],
                to_addrs=[email.utils.parseaddr(mail.recipient)[1]],
            )
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.quit()
            self._conn = None


@contextlib.contextmanager
def transport_from_settings(settings: Settings | None = None) -> Iterator[Transport]:
    settings = settings or get_settings()
    if not settings.smtp_host:
        yield EmlFolder(settings.outbox_dir)
        return
    server = SmtpServer(settings)
    try:
        yield server
    finally:
        server.close()


def _address(value: str) -> str:
    """'Naam <adres>' with only the name encoded (RFC 2047) when it is not ASCII."""
    name, addr = email.utils.parseaddr(value)
    return email.utils.formataddr((name, addr), charset="utf-8")


def build_message(
    mail: OutboxMail, settings: Settings | None = None, now: dt.datetime | None = None
) -> Message:
    """A multipart/alternative mail (text and HTML, quoted-printable UTF-8).

    Built with the classic MIME classes: the newer EmailMessage API folds a long Subject right
    after the colon, which readers then show with a leading space."""
    settings = settings or get_settings()
    message = MIMEMultipart("alternative")
    message["From"] = _address(settings.mail_from)
    message["To"] = _address(mail.recipient)
    message["Subject"] = (
        mail.subject if mail.subject.isascii() else Header(mail.subject, "utf-8").encode()
    )
    message["Date"] = email.utils.format_datetime(clock.to_local(now or clock.now()))
    domain = email.utils.parseaddr(settings.mail_from)[1].rpartition("@")[2] or "cbs-monitor.local"
    # Derived from the key: a resent copy carries the same id, so mail systems can drop it.
    message["Message-ID"] = f"<{hashlib.sha256(mail.key.encode()).hexdigest()[:32]}@{domain}>"
    message["X-CBS-Monitor-Key"] = mail.key
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(mail.body_text, "plain", _UTF8_QP))
    if mail.body_html:
        message.attach(MIMEText(mail.body_html, "html", _UTF8_QP))
    return message


def _due(now: dt.datetime):
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.attempts < MAX_ATTEMPTS,
        or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now),
    )


def _claim(db: Session, mail_id: int, now: dt.datetime) -> bool:
    claimed = db.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, *_due(now))
        .values(
            attempts=OutboxMail.attempts + 1,
            next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS),
        )
    ).rowcount
    db.commit()
    return bool(claimed)


def _permanent(exc: Exception) -> bool:
    """A 5xx answer about this very mail (unknown recipient, content refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _server_down(exc: Exception) -> bool:
    if isinstance(exc, (TransportUnavailable, smtplib.SMTPServerDisconnected)):
        return True
    # Socket and disk errors; smtplib's own errors are OSErrors too but concern one mail.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _log_sent(db: Session, mail: OutboxMail) -> None:
    if not mail.municipality_code:
        return
    name, address = email.utils.parseaddr(mail.recipient)
    to = f"{name} ({address})" if name else address
    messages.log_message(
        db,
        mail.municipality_code,
        messages.NOTIFICATION_KIND,
        f"E-mail verstuurd aan {to}: {mail.subject}",
        period_code=mail.period_code,
        delivery_id=mail.delivery_id,
        key=f"notificatie/{mail.key}",
    )


def send_pending(
    db_or_none: Session | None = None,
    now: dt.datetime | None = None,
    *,
    transport: Transport | None = None,
    limit: int = BATCH,
    stop: threading.Event | None = None,
) -> int:
    """Send the outbox mails that are due; returns how many went out.

    With a session it commits that session as it goes (claim, then result, per mail), so pass
    one with nothing else pending. Without, it opens its own. `stop` (set on shutdown) ends
    the batch after the mail in hand, so stopping never waits for a whole batch."""
    if db_or_none is None:
        with database.session() as db:
            return send_pending(db, now, transport=transport, limit=limit, stop=stop)
    db = db_or_none
    now = now or clock.now()
    db.commit()  # start from a clean state and do not hold a write lock while talking SMTP
    ids = list(
        db.exec(select(OutboxMail.id).where(*_due(now)).order_by(OutboxMail.id).limit(limit)).all()
    )
    db.rollback()
    if not ids:
        return 0
    sent = 0
    with contextlib.ExitStack() as stack:
        if transport is None:
            transport = stack.enter_context(transport_from_settings())
        for mail_id in ids:
            if stop is not None and stop.is_set():
                break
            if not _claim(db, mail_id, now):
                continue  # another sender has it, or it was sent meanwhile
            mail = db.get(OutboxMail, mail_id)
            db.refresh(mail)
            try:
                transport.send(build_message(mail, now=now), mail)
            except Exception as exc:  # noqa: BLE001 — any failure: keep the mail, retry later
                if _permanent(exc):
                    mail.attempts = MAX_ATTEMPTS  # the server refused this mail for good
                mail.next_attempt_at = now + retry_delay(mail.attempts)
                mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
                db.add(mail)
                db.commit()
                level = logging.ERROR if mail.attempts >= MAX_ATTEMPTS else logging.WARNING
                log.log(
                    level, "mail %s attempt %d failed: %s", mail.key, mail.attempts, mail.last_error
                )
                if _server_down(exc):
                    break  # leave the rest of the batch untouched for the next round
                continue
            mail.sent_at = now
            mail.next_attempt_at = None
            mail.last_error = None
            db.add(mail)
            _log_sent(db, mail)
            db.commit()
            sent += 1
    return sent


def failed_mails(db: Session) -> list[OutboxMail]:
    """Mails that gave up after MAX_ATTEMPTS (for CBS / operations)."""
    return list(
        db.exec(
            select(OutboxMail)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts >= MAX_ATTEMPTS)
            .order_by(OutboxMail.id)
        ).all()
    )
