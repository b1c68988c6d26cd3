"""The outbox sender: .eml by default, real SMTP when configured, backoff, each mail once."""

import datetime as dt
import email.utils
import ssl
import threading

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import OutboxMail
from cbs_monitor.services import mailer, notifications
from cbs_monitor.settings import reset_settings
from tests.scheduler.conftest import (
    ADDRESS,
    ANNA,
    EVA,
    Inbox,
    body_html,
    body_text,
    free_port,
    local,
)

NOW = local(2026, 3, 2, 9)


def _queue_decisions(world, codes=("0363", "0243", "0302"), key="release/1"):
    with world.db.session() as s:
        for code in codes:
            notifications.cbs_decision(
                s, code, "Besluit CBS", f"Toelichting voor {code}.", key=f"{key}/{code}"
            )
    return [m.key for m in world.outbox()]


def test_default_writes_eml_files_once_and_logs_them(world):
    world.at(NOW)
    keys = _queue_decisions(world)
    assert len(keys) == 4  # Anna; Hanna + Eva for 0243; Eva for 0302
    assert mailer.send_pending(None) == 4
    assert mailer.send_pending(None) == 0
    files = sorted(p.name for p in world.outbox_dir.glob("*.eml"))
    assert files == [f"{i:06d}-{k.replace('/', '_')}.eml" for i, k in enumerate(keys, start=1)]
    mails = world.eml_files()
    anna = mails[keys[0]]
    assert anna["To"] == f"Anna de Vries <{ADDRESS[ANNA]}>"
    assert anna["From"] == "CBS Monitor <noreply@cbs-monitor.local>"
    assert anna["Subject"] == "Besluit CBS (gemeente Amsterdam)"
    assert email.utils.parsedate_to_datetime(anna["Date"]) == NOW
    assert anna.get_content_type() == "multipart/alternative"
    assert "Toelichting voor 0363." in body_text(anna) and "Toelichting voor 0363." in body_html(
        anna
    )
    assert all(m.sent_at == NOW for m in world.outbox())
    logged = world.messages("notificatie_verstuurd")
    assert [(m.municipality_code, m.key) for m in logged] == [
        ("0363", f"notificatie/{keys[0]}"),
        ("0243", f"notificatie/{keys[1]}"),
        ("0243", f"notificatie/{keys[2]}"),
        ("0302", f"notificatie/{keys[3]}"),
    ]
    assert (
        logged[0].text
        == f"E-mail verstuurd aan Anna de Vries ({ADDRESS[ANNA]}): Besluit CBS (gemeente Amsterdam)"
    )


def test_real_smtp_server_receives_each_mail_once(world, smtp_server):
    world.at(NOW)
    keys = _queue_decisions(world)
    assert mailer.send_pending(None) == 4
    assert mailer.send_pending(None) == 0
    assert not list(world.outbox_dir.glob("*.eml")), (
        "with SMTP configured nothing goes to the folder"
    )
    received = smtp_server.by_key()
    assert sorted(received) == sorted(keys) and all(len(v) == 1 for v in received.values())
    envelopes = {
        msg["X-CBS-Monitor-Key"]: (sender, rcpts) for sender, rcpts, msg in smtp_server.received
    }
    assert envelopes[keys[0]] == ("noreply@cbs-monitor.local", [ADDRESS[ANNA]])
    assert envelopes[keys[3]] == ("noreply@cbs-monitor.local", [ADDRESS[EVA]])
    eva = received[keys[3]][0]
    assert eva["Subject"] == "Besluit CBS (gemeente Nunspeet)"
    assert "coördinator van het samenwerkingsverband" in body_text(eva)
    assert len(world.messages("notificatie_verstuurd")) == 4


def test_unreachable_server_backs_off_and_delivers_later(world, monkeypatch):
    port = free_port()  # nothing listens here yet
    monkeypatch.setenv("CBS_MONITOR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CBS_MONITOR_SMTP_PORT", str(port))
    monkeypatch.setenv("CBS_MONITOR_SMTP_STARTTLS", "0")
    reset_settings()
    world.at(NOW)
    keys = _queue_decisions(world)
    assert mailer.send_pending(None, NOW) == 0
    first = world.outbox()
    # The first mail failed; the rest of the batch was left alone instead of waiting 4 timeouts.
    assert [m.attempts for m in first] == [1, 0, 0, 0]
    assert first[0].next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert "TransportUnavailable" in first[0].last_error
    assert world.messages("notificatie_verstuurd") == []

    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # 30 s later the first mail is not due again, the others are.
        assert mailer.send_pending(None, NOW + dt.timedelta(seconds=30)) == 3
        assert mailer.send_pending(None, NOW + dt.timedelta(seconds=61)) == 1
        assert mailer.send_pending(None, NOW + dt.timedelta(hours=1)) == 0
    finally:
        controller.stop()
    assert sorted(inbox.by_key()) == sorted(keys)
    assert all(len(v) == 1 for v in inbox.by_key().values())
    assert all(m.last_error is None and m.sent_at for m in world.outbox())


def test_temporary_refusal_is_retried_and_permanent_refusal_gives_up(world, smtp_server):
    world.at(NOW)
    smtp_server.fail_next = 1  # 451 for the first mail
    smtp_server.refuse = {ADDRESS[EVA]}  # 550 for Eva
    keys = _queue_decisions(world)
    assert mailer.send_pending(None, NOW) == 1  # Anna 451, Hanna sent, Eva refused (550) twice
    rows = {m.key: m for m in world.outbox()}
    assert rows[keys[0]].attempts == 1 and "451" in rows[keys[0]].last_error
    assert rows[keys[2]].attempts == mailer.MAX_ATTEMPTS and "550" in rows[keys[2]].last_error
    assert mailer.send_pending(None, NOW + dt.timedelta(minutes=2)) == 1  # Anna on retry
    assert mailer.send_pending(None, NOW + dt.timedelta(days=2)) == 0  # Eva never again
    with world.db.session() as s:
        assert [m.key for m in mailer.failed_mails(s)] == [keys[2], keys[3]]
    assert sorted(smtp_server.by_key()) == sorted([keys[0], keys[1]])


def test_retry_delays_double_and_are_capped():
    assert [mailer.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert mailer.retry_delay(30) == dt.timedelta(hours=6)


def test_a_mail_claimed_by_a_sender_that_died_is_sent_after_the_claim_lapses(world):
    world.at(NOW)
    keys = _queue_decisions(world, codes=("0363",))
    with world.db.session() as s:
        assert mailer._claim(s, world.outbox()[0].id, NOW)  # ...and the process dies here
    assert mailer.send_pending(None, NOW + dt.timedelta(seconds=10)) == 0
    assert mailer.send_pending(None, NOW + dt.timedelta(seconds=mailer.CLAIM_SECONDS)) == 1
    assert list(world.eml_files()) == keys


def test_concurrent_senders_send_each_mail_once(world, smtp_server):
    world.at(NOW)
    with world.db.session() as s:
        for i in range(40):
            notifications.cbs_decision(s, "0363", "Besluit CBS", f"Besluit {i}.", key=f"bulk/{i}")
    sent: list[int] = []
    start = threading.Barrier(3)

    def sender():
        start.wait()
        sent.append(mailer.send_pending(None, NOW))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 40
    received = smtp_server.by_key()
    assert len(received) == 40 and all(len(v) == 1 for v in received.values())
    assert len(world.messages("notificatie_verstuurd")) == 40


def test_an_existing_session_can_be_passed(world):
    world.at(NOW)
    _queue_decisions(world, codes=("0363",))
    with world.db.session() as s:
        assert mailer.send_pending(s, NOW) == 1
        assert s.exec(select(OutboxMail)).one().sent_at == NOW


# --- STARTTLS and login against a real server with a certificate --------------------------


@pytest.fixture
def tls_smtp_server(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        logins.append((login, password))
        # handled=False: let aiosmtpd answer 535 itself on a wrong password.
        return AuthResult(success=(login, password) == ("portal", "geheim"), handled=False)

    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts exactly this certificate
    for name, value in (
        ("HOST", "127.0.0.1"),
        ("PORT", str(port)),
        ("STARTTLS", "1"),
        ("USER", "portal"),
        ("PASSWORD", "geheim"),
        ("MAIL_FROM", "CBS Monitör <monitor@cbs.example>"),
    ):
        monkeypatch.setenv(
            f"CBS_MONITOR_SMTP_{name}" if name != "MAIL_FROM" else "CBS_MONITOR_MAIL_FROM", value
        )
    reset_settings()
    inbox.logins = logins
    try:
        yield inbox
    finally:
        controller.stop()


def _self_signed(folder):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_starttls_and_login(world, tls_smtp_server):
    world.at(NOW)
    keys = _queue_decisions(world, codes=("0363",))
    assert mailer.send_pending(None, NOW) == 1
    assert tls_smtp_server.logins == [("portal", "geheim")]
    [(sender, rcpts, msg)] = tls_smtp_server.received
    assert (sender, rcpts) == ("monitor@cbs.example", [ADDRESS[ANNA]])
    assert msg["X-CBS-Monitor-Key"] == keys[0]
    assert str(msg["From"]) == "CBS Monitör <monitor@cbs.example>"


def test_wrong_password_keeps_the_mail_for_later(world, tls_smtp_server, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_SMTP_PASSWORD", "fout")
    reset_settings()
    world.at(NOW)
    _queue_decisions(world, codes=("0363",))
    assert mailer.send_pending(None, NOW) == 0
    [mail] = world.outbox()
    assert mail.sent_at is None and mail.attempts == 1 and "535" in mail.last_error
    clock.set_fixed(None)
