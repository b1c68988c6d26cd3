"""Intrekken: inside the window only, never for delegating municipalities, history kept."""

import datetime as dt

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import Message, ReportingPeriod, User, WithdrawalPart
from cbs_monitor.services import withdrawals
from cbs_monitor.services.errors import NotPermitted
from cbs_monitor.services.permissions import load_actor
from tests.conftest import demo_morning


def _actor(s, employee_id):
    user = s.exec(select(User).where(User.employee_id == employee_id)).one()
    return load_actor(s, user.id)


@pytest.fixture
def db(demo_db):
    clock.set_fixed(demo_morning())
    return demo_db


def test_default_is_publication(db):
    with db.session() as s:
        assert set(withdrawals.selection(s, "0363", "2025H2").values()) == {False}


def test_save_inside_window_is_kept_and_logged(db):
    with db.session() as s:
        anna = _actor(s, "anna.devries")
        changed = withdrawals.save(s, anna, "0363", "2025H2", {WithdrawalPart.neighbourhood: True})
        assert changed == [WithdrawalPart.neighbourhood]
        assert (
            withdrawals.save(s, anna, "0363", "2025H2", {WithdrawalPart.neighbourhood: True}) == []
        )
    with db.session() as s:
        chosen = withdrawals.selection(s, "0363", "2025H2")
        assert chosen[WithdrawalPart.neighbourhood] and not chosen[WithdrawalPart.totals]
        log = s.exec(select(Message).where(Message.kind == "intrekking_gewijzigd")).all()
        assert len(log) == 1 and "Wijk- en buurtniveau: ingetrokken" in log[0].text
        withdrawals.save(
            s, _actor(s, "anna.devries"), "0363", "2025H2", {WithdrawalPart.neighbourhood: False}
        )
        assert [h.withdrawn for h in withdrawals.history(s, "0363", "2025H2")] == [False, True]


def test_outside_window_refused(db):
    with db.session() as s:
        anna = _actor(s, "anna.devries")
        with pytest.raises(withdrawals.WithdrawalRefused, match="intrekperiode is gesloten"):
            withdrawals.save(s, anna, "0363", "2026H1", {WithdrawalPart.totals: True})
        period = s.get(ReportingPeriod, "2025H2")
    clock.set_fixed(
        dt.datetime.combine(period.withdrawal_closes_on + dt.timedelta(days=1), dt.time(9))
    )
    with db.session() as s, pytest.raises(withdrawals.WithdrawalRefused):
        withdrawals.save(
            s, _actor(s, "anna.devries"), "0363", "2025H2", {WithdrawalPart.totals: True}
        )


def test_delegating_municipality_cannot_withdraw_in_portal_by_anyone(db):
    with db.session() as s:
        for employee_id, code in (("eva.mulder", "0243"), ("hanna.kok", "0243")):
            with pytest.raises(withdrawals.WithdrawalRefused, match="formulier"):
                withdrawals.save(
                    s, _actor(s, employee_id), code, "2025H2", {WithdrawalPart.totals: True}
                )
        assert set(withdrawals.selection(s, "0243", "2025H2").values()) == {False}


def test_cbs_registers_form_withdrawal_with_reason(db):
    with db.session() as s:
        frank = _actor(s, "frank.deboer")
        with pytest.raises(withdrawals.WithdrawalRefused, match="reden"):
            withdrawals.register_form_withdrawal(
                s, frank, "0243", "2025H2", {WithdrawalPart.totals: True}, " "
            )
        with pytest.raises(NotPermitted):
            withdrawals.register_form_withdrawal(
                s,
                _actor(s, "eva.mulder"),
                "0243",
                "2025H2",
                {WithdrawalPart.totals: True},
                "formulier",
            )
        withdrawals.register_form_withdrawal(
            s, frank, "0243", "2025H2", {WithdrawalPart.totals: True}, "Formulier ontvangen 28-11"
        )
        assert withdrawals.selection(s, "0243", "2025H2")[WithdrawalPart.totals]
        entry = withdrawals.history(s, "0243")[0]
        assert entry.source == "cbs-formulier" and entry.reason == "Formulier ontvangen 28-11"
