"""Who gets which mail, once: product managers, coordinators for delegating municipalities, CBS."""

import datetime as dt
import re

from sqlmodel import select

from cbs_monitor.models import Delegation, User
from cbs_monitor.services import mailer, notifications
from tests.scheduler.conftest import (
    ADDRESS,
    ANNA,
    CARLA,
    EVA,
    FRANK,
    HANNA,
    RECIPIENTS,
    body_html,
    body_text,
    local,
)

D = dt.date


def _period(world, code="2026H1"):
    world.add_period(code, (D(2026, 7, 1), D(2026, 8, 31)), (D(2026, 9, 14), D(2026, 9, 25)))


def test_recipients_are_product_managers_plus_coordinators_of_delegating(world):
    with world.db.session() as s:
        found = notifications.recipients_by_municipality(s)
        assert {code: [r.user_id for r in people] for code, people in found.items()} == RECIPIENTS
        assert [r.email for r in notifications.recipients(s, "0363")] == [ADDRESS[ANNA]]
        assert [r.via_cooperative for r in notifications.recipients(s, "0243")] == [False, True]
        assert [r.user_id for r in notifications.cbs_reviewers(s)] == [FRANK]
        # A user without the product-manager role (Bram, Amsterdam) gets nothing.
        assert "bram" not in " ".join(r.email for r in found["0363"])


def test_inactive_users_and_expired_delegations_get_nothing(world):
    with world.db.session() as s:
        anna = s.get(User, ANNA)
        anna.active = False
        s.add(anna)
        for delegation in s.exec(select(Delegation).where(Delegation.municipality_code == "0302")):
            delegation.valid_to = D(2025, 12, 31)
            s.add(delegation)
    with world.db.session() as s:
        found = notifications.recipients_by_municipality(s, D(2026, 7, 1))
        assert "0363" not in found and "0302" not in found
        assert [r.user_id for r in found["0233"]] == [EVA]


def test_technical_and_readiness_report_mails_once_each(world):
    _period(world)
    world.at(local(2026, 7, 6, 10))
    delivery_id = world.deliver("0243", "2026H1", approved=True)
    # Calling again (a retried transaction, a second code path) adds nothing.
    with world.db.session() as s:
        from cbs_monitor.models import Delivery, Report

        delivery = s.get(Delivery, delivery_id)
        for report in s.exec(select(Report).where(Report.delivery_id == delivery_id)):
            notifications.technical_report_ready(s, delivery, report)
            notifications.readiness_report_ready(s, delivery, report)
    keys = [m.key for m in world.outbox()]
    assert keys == [
        f"technical-report/{delivery_id}/user-{HANNA}",
        f"technical-report/{delivery_id}/user-{EVA}",
        f"readiness-report/{delivery_id}/user-{HANNA}",
        f"readiness-report/{delivery_id}/user-{EVA}",
    ]
    assert mailer.send_pending(None) == 4
    mails = world.eml_files()
    tech = mails[f"technical-report/{delivery_id}/user-{EVA}"]
    assert tech["To"].addresses[0].addr_spec == ADDRESS[EVA]
    assert (
        tech["Subject"] == "Technisch rapport beschikbaar: CBS Monitor 2026H1 (gemeente Harderwijk)"
    )
    text = body_text(tech)
    assert (
        "Uitslag:" in text
        and "Goedgekeurd" in text
        and re.search(r"Records met fouten:\s+2\n", text)
    )
    assert "coördinator van het samenwerkingsverband" in text
    assert "/cbs-monitor/ophalen" in text and "/cbs-monitor/ophalen" in body_html(tech)
    hanna = body_text(mails[f"technical-report/{delivery_id}/user-{HANNA}"])
    assert hanna.startswith("Beste Hanna Kok,") and "coördinator" not in hanna
    assert (
        "Op orde rapport beschikbaar"
        in mails[f"readiness-report/{delivery_id}/user-{HANNA}"]["Subject"]
    )


def test_rejected_delivery_mail_says_deliver_again_before_the_window_closes(world):
    _period(world)
    world.at(local(2026, 7, 6, 10))
    delivery_id = world.deliver("0344", "2026H1", approved=False)
    assert [m.key for m in world.outbox()] == [f"technical-report/{delivery_id}/user-{CARLA}"]
    mailer.send_pending(None)
    text = body_text(world.eml_files()[f"technical-report/{delivery_id}/user-{CARLA}"])
    assert "Afgekeurd" in text and "maandag 31 augustus 2026" in text and "nieuw bestand" in text


def test_held_readiness_report_is_mailed_only_when_released(world):
    _period(world)
    world.at(local(2026, 7, 6, 10))
    delivery_id = world.deliver("0363", "2026H1", approved=True, hold_readiness=True)
    assert [m.key for m in world.outbox()] == [f"technical-report/{delivery_id}/user-{ANNA}"]
    world.at(local(2026, 7, 8, 11))
    world.release_readiness(delivery_id)
    assert [m.key for m in world.outbox()][-1] == f"readiness-report/{delivery_id}/user-{ANNA}"


def test_no_bsn_like_number_reaches_a_mail(world):
    _period(world)
    world.at(local(2026, 7, 6, 10))
    delivery_id = world.deliver(
        "0363", "2026H1", approved=False, filename="aanlevering 123456782.zip"
    )
    mail = world.outbox()[0]
    assert "123456782" not in mail.body_text + mail.body_html + mail.subject
    assert "aanlevering *********.zip" in mail.body_text
    assert delivery_id


def test_cbs_decision_goes_to_the_municipality_once_per_key(world):
    with world.db.session() as s:
        assert (
            notifications.cbs_decision(
                s,
                "0302",
                "Besluit CBS: technische beoordeling herzien",
                "Het CBS heeft uw aanlevering toch goedgekeurd.\n\nReden: x.",
                key="override/17",
            )
            == 1
        )
        assert (
            notifications.cbs_decision(s, "0302", "Besluit CBS", "nogmaals", key="override/17") == 0
        )
        assert notifications.cbs_decision(s, "0999", "Besluit", "niemand", key="x") == 0
    [mail] = world.outbox()
    assert mail.key == f"cbs-decision/override/17/user-{EVA}"
    assert mail.subject == "Besluit CBS: technische beoordeling herzien (gemeente Nunspeet)"
    assert "Reden: x." in mail.body_text and "<p>Reden: x.</p>" in mail.body_html


def test_html_is_escaped(world):
    with world.db.session() as s:
        notifications.cbs_decision(
            s, "0363", "Besluit", "<script>alert(1)</script> & meer", key="k"
        )
    [mail] = world.outbox()
    assert "<script>" not in mail.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; meer" in mail.body_html
    assert "<script>alert(1)</script> & meer" in mail.body_text
