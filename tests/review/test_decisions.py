"""CBS decisions: override a verdict, hold and release an op-orde report, register a form withdrawal.
Each needs a reason, lands in the Berichtenlog as cbs_besluit and is mailed to the municipality."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Message,
    OutboxMail,
    ReportKind,
    ReportStatus,
    WithdrawalChange,
    WithdrawalPart,
)
from cbs_monitor.services import readiness_reports, withdrawals
from cbs_monitor.services.review import common, decisions
from tests.review.conftest import PERIOD, actor, deliver


def _decisions(s, code):
    return s.exec(
        select(Message)
        .where(Message.municipality_code == code, Message.kind == "cbs_besluit")
        .order_by(Message.id)
    ).all()


def _mails(s, code, prefix="cbs-decision/"):
    return [
        m
        for m in s.exec(select(OutboxMail).where(OutboxMail.municipality_code == code)).all()
        if m.key.startswith(prefix)
    ]


def test_override_to_approved_produces_the_readiness_report(world):
    with world.session() as s:
        rejected = deliver(s, "anna.devries", "0363", approved=False)
        cbs = actor(s, "frank.deboer")
        assert readiness_reports.report_of(s, rejected.id, ReportKind.readiness) is None
        for reason in ("", "   ", "ok"):
            with pytest.raises(common.ReviewRefused, match=r"reden|Reden"):
                decisions.override_verdict(s, cbs, rejected.id, DeliveryStatus.approved, reason)
        decisions.override_verdict(
            s, cbs, rejected.id, "goedgekeurd", "Fouten zitten in een kolom die CBS niet gebruikt."
        )
        s.refresh(rejected)
        assert rejected.status == DeliveryStatus.rejected  # the validator's verdict stays on record
        assert (
            rejected.override_status == DeliveryStatus.approved
            and rejected.override_by_user_id == cbs.user_id
        )
        assert readiness_reports.current_delivery(s, "0363", PERIOD).id == rejected.id
        assert (
            readiness_reports.report_of(s, rejected.id, ReportKind.technical).status
            == ReportStatus.approved
        )
        readiness = readiness_reports.report_of(s, rejected.id, ReportKind.readiness)
        assert readiness.status == ReportStatus.ready  # automatic release (the default setting)
        [decision] = _decisions(s, "0363")
        assert "goedgekeurd" in decision.text and "kolom die CBS niet gebruikt" in decision.text
        assert decision.user_id == cbs.user_id and decision.delivery_id == rejected.id
        [mail] = _mails(s, "0363")
        assert "anna.devries@amsterdam.example" in mail.recipient
        assert "kolom die CBS niet gebruikt" in mail.body_text
        with pytest.raises(common.ReviewRefused, match="al goedgekeurd"):
            decisions.override_verdict(
                s, cbs, rejected.id, DeliveryStatus.approved, "nogmaals goedkeuren"
            )
        with pytest.raises(common.ReviewRefused, match="goedgekeurd of afgekeurd"):
            decisions.override_verdict(s, cbs, rejected.id, "ontvangen", "geen oordeel")


def test_override_recounts_which_file_counts(world, review_release):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        first = deliver(s, "anna.devries", "0363", seed=1)
        second = deliver(s, "anna.devries", "0363", seed=2)
        s.refresh(first)
        assert first.replaced_by_id == second.id
        decisions.override_verdict(
            s, cbs, second.id, DeliveryStatus.rejected, "Verkeerde gemeente in de kolommen."
        )
        s.refresh(first)
        s.refresh(second)
        assert (
            first.replaced_by_id is None
            and readiness_reports.current_delivery(s, "0363", PERIOD).id == first.id
        )
        # Nobody waits for the held op-orde report of a rejected file any more.
        assert (
            readiness_reports.report_of(s, second.id, ReportKind.readiness).status
            == ReportStatus.rejected
        )
        decisions.override_verdict(
            s, cbs, second.id, DeliveryStatus.approved, "Toch in orde na overleg."
        )
        s.refresh(first)
        s.refresh(second)
        assert (
            first.replaced_by_id == second.id and second.override_status is None
        )  # back to its own verdict
        assert (
            readiness_reports.report_of(s, second.id, ReportKind.readiness).status
            == ReportStatus.held
        )
        assert (
            len(_decisions(s, "0363")) == 2 and len(_mails(s, "0363")) == 2
        )  # one mail per decision


def test_hold_and_release(world, review_release):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        delivery = deliver(s, "anna.devries", "0363")
        report = readiness_reports.report_of(s, delivery.id, ReportKind.readiness)
        assert report.status == ReportStatus.held
        assert not _mails(s, "0363", "readiness-report/")
        with pytest.raises(common.ReviewRefused, match="wordt al vastgehouden"):
            decisions.hold_readiness(s, cbs, report.id, "Nog eens kijken.")
        with pytest.raises(common.ReviewRefused, match="Geef een reden"):
            decisions.release_readiness(s, cbs, report.id, "")
        decisions.release_readiness(s, cbs, report.id, "Cijfers gecontroleerd, in orde.")
        s.refresh(report)
        assert report.status == ReportStatus.ready and report.released_by_user_id == cbs.user_id
        assert report.released_at is not None
        kinds = [
            m.kind
            for m in s.exec(
                select(Message).where(Message.municipality_code == "0363").order_by(Message.id)
            )
        ]
        assert kinds[-2:] == [
            "op_orde_rapport",
            "cbs_besluit",
        ]  # release_effects, then the decision
        assert len(_mails(s, "0363", "readiness-report/")) == 1 and len(_mails(s, "0363")) == 1
        with pytest.raises(common.ReviewRefused, match="wacht niet op vrijgave"):
            decisions.release_readiness(s, cbs, report.id, "Nog een keer vrijgeven.")
        decisions.hold_readiness(s, cbs, report.id, "Afwijking in productcategorie 01 nagaan.")
        s.refresh(report)
        assert report.status == ReportStatus.held and report.released_at is None
        assert "Afwijking in productcategorie" in _decisions(s, "0363")[-1].text
        assert len(_mails(s, "0363")) == 2
        with pytest.raises(common.ReviewRefused, match="Onbekend Op orde rapport"):
            decisions.release_readiness(
                s,
                cbs,
                readiness_reports.report_of(s, delivery.id, ReportKind.technical).id,
                "Verkeerd rapport.",
            )


def test_form_withdrawal_for_a_delegating_municipality(world):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        choices = {
            WithdrawalPart.neighbourhood: True,
            "persoonskenmerken": True,
            WithdrawalPart.totals: False,
        }
        changed = decisions.register_form_withdrawal(
            s, cbs, "0243", "2025H2", choices, "Formulier ontvangen op 24-11, kenmerk F-17."
        )
        assert set(changed) == {WithdrawalPart.neighbourhood, WithdrawalPart.personal}
        selection = withdrawals.selection(s, "0243", "2025H2")
        assert selection[WithdrawalPart.neighbourhood] and selection[WithdrawalPart.personal]
        assert not selection[WithdrawalPart.totals]
        history = s.exec(
            select(WithdrawalChange).where(WithdrawalChange.municipality_code == "0243")
        ).all()
        assert {h.source for h in history} == {"cbs-formulier"} and {h.reason for h in history} == {
            "Formulier ontvangen op 24-11, kenmerk F-17."
        }
        [decision] = _decisions(s, "0243")
        assert "Wijk- en buurtniveau: ingetrokken" in decision.text
        recipients = {m.recipient for m in _mails(s, "0243")}
        # Harderwijk's product manager and the cooperative's coordinator.
        assert any("hanna.kok" in r for r in recipients) and any(
            "eva.mulder" in r for r in recipients
        )
        with pytest.raises(common.ReviewRefused, match="niets gewijzigd"):
            decisions.register_form_withdrawal(
                s, cbs, "0243", "2025H2", choices, "Hetzelfde formulier."
            )
        with pytest.raises(common.ReviewRefused, match="Onbekend onderdeel"):
            decisions.register_form_withdrawal(
                s, cbs, "0243", "2025H2", {"bsn": True}, "Onbekend deel."
            )
        with pytest.raises(common.ReviewRefused, match="verslagperiode"):
            decisions.register_form_withdrawal(
                s, cbs, "0243", "2031H1", choices, "Onbekende periode."
            )
        with pytest.raises(common.ReviewRefused, match="Geef een reden"):
            decisions.register_form_withdrawal(
                s, cbs, "0243", "2025H2", {WithdrawalPart.totals: True}, " "
            )


def test_unknown_targets(world):
    with world.session() as s:
        cbs = actor(s, "frank.deboer")
        with pytest.raises(common.ReviewRefused, match="Onbekende aanlevering"):
            decisions.override_verdict(s, cbs, 424242, DeliveryStatus.approved, "Bestaat niet.")
        with pytest.raises(common.ReviewRefused, match="Onbekende gemeente"):
            decisions.register_form_withdrawal(
                s, cbs, "9999", "2025H2", {WithdrawalPart.totals: True}, "Geen gemeente."
            )
        assert s.exec(select(Delivery)).first() is None
