"""Only the CBS reviewer gets in: every desk function refuses municipal users, coordinators and others."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from cbs_monitor.models import DeliveryStatus, Message, OutboxMail, ReportKind, WithdrawalPart
from cbs_monitor.services import downloads, readiness_reports, report_files
from cbs_monitor.services.errors import NotPermitted
from cbs_monitor.services.review import decisions, municipality_file, overview
from cbs_monitor.services.review import periods as review_periods
from tests.review.conftest import PERIOD, actor, deliver


def _calls(delivery_id: int, report_id: int):
    reason = "Een reden van genoeg tekens."
    return {
        "overview": lambda s, a: overview.overview(s, a, PERIOD),
        "daily_activity": lambda s, a: overview.daily_activity(s, a, PERIOD),
        "municipality_file": lambda s, a: municipality_file.municipality_file(s, a, "0363"),
        "findings": lambda s, a: municipality_file.findings(s, a, delivery_id),
        "withdrawal_state": lambda s, a: municipality_file.withdrawal_state(s, a, "0363", PERIOD),
        "withdrawal_history": lambda s, a: municipality_file.withdrawal_history(s, a, "0363"),
        "message_page": lambda s, a: municipality_file.message_page(s, a, "0363"),
        "period_list": lambda s, a: review_periods.period_list(s, a),
        "override": lambda s, a: decisions.override_verdict(
            s, a, delivery_id, DeliveryStatus.rejected, reason
        ),
        "hold": lambda s, a: decisions.hold_readiness(s, a, report_id, reason),
        "release": lambda s, a: decisions.release_readiness(s, a, report_id, reason),
        "form_withdrawal": lambda s, a: decisions.register_form_withdrawal(
            s, a, "0243", "2025H2", {WithdrawalPart.totals: True}, reason
        ),
        "create_period": lambda s, a: review_periods.create_period(
            s,
            a,
            "2027H1",
            delivery_opens_on="2027-07-01",
            delivery_closes_on="2027-08-31",
            withdrawal_opens_on="2027-09-10",
            withdrawal_closes_on="2027-09-20",
        ),
        "update_period": lambda s, a: review_periods.update_period(
            s,
            a,
            PERIOD,
            delivery_opens_on="2026-11-01",
            delivery_closes_on="2026-12-31",
            withdrawal_opens_on="2027-01-10",
            withdrawal_closes_on="2027-01-20",
        ),
    }


@pytest.mark.parametrize(
    "employee_id", ["anna.devries", "eva.mulder", "hanna.kok", "gerda.smit", None]
)
def test_only_cbs_reviewers(world, employee_id):
    with world.session() as s:
        delivery = deliver(s, "anna.devries", "0363")
        report_id = readiness_reports.report_of(s, delivery.id, ReportKind.readiness).id
        before = (
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(OutboxMail)).one(),
        )
        who = actor(s, employee_id) if employee_id else None
        for name, call in _calls(delivery.id, report_id).items():
            try:
                call(s, who)
            except NotPermitted as refused:
                assert "Alleen CBS-beoordelaars" in str(refused), name
            else:
                pytest.fail(f"{name} let {employee_id} through")
        after = (
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(OutboxMail)).one(),
        )
        assert after == before  # nothing was logged or mailed
        if who is not None:
            token = downloads.grant(s, who.user_id, report_files.OVERVIEW_KIND, period_code=PERIOD)
            grant = downloads.redeem(s, token, who.user_id)
            with pytest.raises(report_files.NotAllowed):
                report_files.build(s, who, grant)


def test_the_reviewer_gets_through(world):
    with world.session() as s:
        delivery = deliver(s, "anna.devries", "0363")
        report_id = readiness_reports.report_of(s, delivery.id, ReportKind.readiness).id
        cbs = actor(s, "frank.deboer")
        calls = _calls(delivery.id, report_id)
        for name in (
            "overview",
            "daily_activity",
            "municipality_file",
            "findings",
            "withdrawal_state",
            "withdrawal_history",
            "message_page",
            "period_list",
            "hold",
            "release",
            "override",
            "form_withdrawal",
            "create_period",
            "update_period",
        ):
            calls[name](s, cbs)
