"""Who may do what, for every use case: each service function called by every kind of actor.

The pages, the CLI and (later) the API only call these functions, so this table is the access
test of the portal. An outsider gets NotPermitted and nothing changes; an insider is never
refused for lack of permission (a rule may still say no, e.g. a window that is closed)."""

from __future__ import annotations

import dataclasses
import inspect
import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delegation,
    Delivery,
    DeliveryStatus,
    Organisation,
    Report,
    ReportKind,
    User,
)
from cbs_monitor.protocol import generate_sample
from cbs_monitor.services import (
    deliveries,
    demo_data,
    message_log,
    report_files,
    retrieval,
    suppliers,
    withdrawals,
)
from cbs_monitor.services.accounts import administration, servicedesk
from cbs_monitor.services.errors import NotPermitted, Refused
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.services.review import decisions, desk, municipality_file, overview
from cbs_monitor.services.review import periods as review_periods
from tests.conftest import demo_morning

ACTORS = (
    "anna.devries",  # Amsterdam (0363), productbeheerder
    "bram.jansen",  # Amsterdam, gebruiker
    "carla.bakker",  # Utrecht (0344)
    "eva.mulder",  # coordinator of Noord-Veluwe (0243, 0233, 0302)
    "hanna.kok",  # Harderwijk (0243), a delegating municipality
    "frank.deboer",  # CBS reviewer
    "gerda.smit",  # servicedesk
    None,  # nobody (no actor at all)
)
AMSTERDAM = frozenset({"anna.devries", "bram.jansen"})
CBS = frozenset({"frank.deboer"})
DESK = frozenset({"gerda.smit"})
AMSTERDAM_PRODUCT_MANAGER = frozenset({"anna.devries"})
# The modules of use cases, by the names the table below uses.
MODULES = {
    "deliveries": deliveries,
    "message_log": message_log,
    "report_files": report_files,
    "retrieval": retrieval,
    "withdrawals": withdrawals,
    "overview": overview,
    "desk": desk,
    "municipality_file": municipality_file,
    "decisions": decisions,
    "review_periods": review_periods,
    "administration": administration,
    "servicedesk": servicedesk,
    "suppliers": suppliers,
}


@dataclasses.dataclass(frozen=True)
class World:
    """Ids of the demo history the calls need (Amsterdam's first approved delivery)."""

    delivery_id: int
    technical_id: int
    readiness_id: int
    period: str
    user_id: int  # bram
    delegation_id: int
    cooperative_id: int
    organisation_id: int  # Gemeente Amsterdam


@pytest.fixture
def world(demo_db) -> World:
    clock.set_fixed(demo_morning())
    with demo_db.session() as s:
        demo_data.seed_history(s)
    with demo_db.session() as s:
        delivery = s.exec(
            select(Delivery).where(
                Delivery.municipality_code == "0363", Delivery.status == DeliveryStatus.approved
            )
        ).first()
        reports = {
            r.kind: r.id for r in s.exec(select(Report).where(Report.delivery_id == delivery.id))
        }
        coop = s.exec(
            select(Organisation).where(Organisation.identifier == "00000004003214345000")
        ).one()
        return World(
            delivery_id=delivery.id,
            technical_id=reports[ReportKind.technical],
            readiness_id=reports[ReportKind.readiness],
            period=delivery.period_code,
            user_id=s.exec(select(User).where(User.employee_id == "bram.jansen")).one().id,
            delegation_id=s.exec(select(Delegation).where(Delegation.municipality_code == "0233"))
            .one()
            .id,
            cooperative_id=coop.id,
            organisation_id=delivery.organisation_id,
        )


def _sample() -> tuple[str, Callable[[int], bytes]]:
    name, data = generate_sample("0363", _open_period(), records=20, seed=7)
    return name, io.BytesIO(data).read


def _validated() -> tuple[str, bytes, object]:
    from cbs_monitor.protocol import ValidationContext, validate_upload

    name, data = generate_sample("0363", _open_period(), records=20, seed=7)
    return (
        name,
        data,
        validate_upload(name, data, context=ValidationContext(upload_date=clock.today())),
    )


def _open_period() -> str:
    today = clock.today()
    return f"{today.year}H1" if today.month >= 7 else f"{today.year - 1}H2"


def _today() -> str:
    return clock.today().isoformat()


# (use case, who may, the call): the call gets (session, actor, world).
Call = Callable[[Any, Any, World], object]
CASES: list[tuple[str, frozenset[str], Call]] = [
    ("message_log.message_log", AMSTERDAM, lambda s, a, w: message_log.message_log(s, a, "0363")),
    (
        "message_log.message_log_download",
        AMSTERDAM,
        lambda s, a, w: message_log.message_log_download(s, a, "0363", _today(), _today()),
    ),
    ("retrieval.retrieve_page", AMSTERDAM, lambda s, a, w: retrieval.retrieve_page(s, a, "0363")),
    (
        "retrieval.readiness_on_screen",
        AMSTERDAM,
        lambda s, a, w: retrieval.readiness_on_screen(s, a, "0363", w.readiness_id),
    ),
    (
        "retrieval.report_download",
        AMSTERDAM,
        lambda s, a, w: retrieval.report_download(s, a, "0363", w.technical_id),
    ),
    ("deliveries.deliver_page", AMSTERDAM, lambda s, a, w: deliveries.deliver_page(s, a, "0363")),
    (
        "deliveries.deliver",
        AMSTERDAM,
        lambda s, a, w: deliveries.deliver(s, a, "0363", *_sample(), terms_accepted=True),
    ),
    (
        "deliveries.delivery_progress",
        AMSTERDAM,
        lambda s, a, w: deliveries.delivery_progress(s, a, w.delivery_id),
    ),
    (
        "deliveries.prepare",
        AMSTERDAM,
        lambda s, a, w: deliveries.prepare(s, a, "0363", 100),
    ),
    (
        "deliveries.record",
        AMSTERDAM,
        lambda s, a, w: deliveries.record(s, a, "0363", *_validated()),
    ),
    (
        "withdrawals.save",
        AMSTERDAM,
        lambda s, a, w: withdrawals.save(
            s, a, "0363", w.period, {withdrawals.WithdrawalPart.neighbourhood: True}
        ),
    ),
    (
        "withdrawals.register_form_withdrawal",
        CBS,
        lambda s, a, w: withdrawals.register_form_withdrawal(
            s, a, "0243", w.period, {withdrawals.WithdrawalPart.neighbourhood: True}, "Formulier"
        ),
    ),
    (
        "withdrawals.withdrawal_page",
        AMSTERDAM,
        lambda s, a, w: withdrawals.withdrawal_page(s, a, "0363"),
    ),
    (
        "withdrawals.choose",
        AMSTERDAM,
        lambda s, a, w: withdrawals.choose(s, a, "0363", "wijk_buurt", withdrawals.WITHDRAW),
    ),
    (
        "report_files.grant_report",
        AMSTERDAM | CBS,
        lambda s, a, w: report_files.grant_report(s, a, w.technical_id),
    ),
    (
        "report_files.report_with_delivery",
        AMSTERDAM | CBS,
        lambda s, a, w: report_files.report_with_delivery(s, a, w.technical_id),
    ),
    (
        "report_files.build",
        AMSTERDAM | CBS,
        lambda s, a, w: report_files.build(s, a, _grant(s, w)),
    ),
    (
        "report_files.grant_overview_export",
        CBS,
        lambda s, a, w: report_files.grant_overview_export(
            s, a, report_files.OverviewExport(period_code=w.period)
        ),
    ),
    (
        "desk.desk_view",
        CBS,
        lambda s, a, w: desk.desk_view(s, a, desk.OverviewQuery(), with_chart=True),
    ),
    ("overview.overview", CBS, lambda s, a, w: overview.overview(s, a, w.period)),
    ("overview.daily_activity", CBS, lambda s, a, w: overview.daily_activity(s, a, w.period)),
    (
        "municipality_file.municipality_file",
        CBS,
        lambda s, a, w: municipality_file.municipality_file(s, a, "0363"),
    ),
    (
        "municipality_file.municipality_page",
        CBS,
        lambda s, a, w: municipality_file.municipality_page(s, a, "0363"),
    ),
    (
        "municipality_file.findings",
        CBS,
        lambda s, a, w: municipality_file.findings(s, a, w.delivery_id),
    ),
    (
        "municipality_file.findings_view",
        CBS,
        lambda s, a, w: municipality_file.findings_view(s, a, "0363", w.delivery_id),
    ),
    (
        "municipality_file.withdrawal_state",
        CBS,
        lambda s, a, w: municipality_file.withdrawal_state(s, a, "0363", w.period),
    ),
    (
        "municipality_file.withdrawal_parts",
        CBS,
        lambda s, a, w: municipality_file.withdrawal_parts(s, a, "0363", w.period),
    ),
    (
        "municipality_file.withdrawal_history",
        CBS,
        lambda s, a, w: municipality_file.withdrawal_history(s, a, "0363"),
    ),
    (
        "municipality_file.message_page",
        CBS,
        lambda s, a, w: municipality_file.message_page(s, a, "0363"),
    ),
    (
        "municipality_file.take_decision",
        CBS,
        lambda s, a, w: municipality_file.take_decision(
            s, a, "0363", decisions.HOLD, w.readiness_id, "Controle door CBS"
        ),
    ),
    (
        "municipality_file.register_form_withdrawal",
        CBS,
        lambda s, a, w: municipality_file.register_form_withdrawal(
            s, a, "0243", w.period, {"wijk_buurt": withdrawals.WITHDRAW}, "Formulier 2026-01"
        ),
    ),
    (
        "decisions.decision_prompt",
        CBS,
        lambda s, a, w: decisions.decision_prompt(s, a, "0363", decisions.OVERRIDE, w.delivery_id),
    ),
    (
        "decisions.decide",
        CBS,
        lambda s, a, w: decisions.decide(
            s, a, "0363", decisions.OVERRIDE, w.delivery_id, "Handmatig afgekeurd"
        ),
    ),
    (
        "decisions.override_verdict",
        CBS,
        lambda s, a, w: decisions.override_verdict(
            s, a, w.delivery_id, DeliveryStatus.rejected, "Handmatig afgekeurd"
        ),
    ),
    (
        "decisions.hold_readiness",
        CBS,
        lambda s, a, w: decisions.hold_readiness(s, a, w.readiness_id, "Controle door CBS"),
    ),
    (
        "decisions.release_readiness",
        CBS,
        lambda s, a, w: decisions.release_readiness(
            s, a, w.readiness_id, "Vrijgegeven na controle"
        ),
    ),
    (
        "decisions.register_form_withdrawal",
        CBS,
        lambda s, a, w: decisions.register_form_withdrawal(
            s, a, "0243", w.period, {"wijk_buurt": True}, "Formulier 2026-01"
        ),
    ),
    ("review_periods.period_list", CBS, lambda s, a, w: review_periods.period_list(s, a)),
    ("review_periods.period_rows", CBS, lambda s, a, w: review_periods.period_rows(s, a)),
    ("review_periods.periods_view", CBS, lambda s, a, w: review_periods.periods_view(s, a)),
    ("review_periods.period_form", CBS, lambda s, a, w: review_periods.period_form(s, a, w.period)),
    (
        "review_periods.save_period_form",
        CBS,
        lambda s, a, w: review_periods.save_period_form(
            s, a, review_periods.period_form(s, a, w.period) if a and a.is_cbs else _form(w)
        ),
    ),
    (
        "review_periods.save_period",
        CBS,
        lambda s, a, w: review_periods.save_period(s, a, "2031H1", create=True, **_windows(2031)),
    ),
    (
        "review_periods.create_period",
        CBS,
        lambda s, a, w: review_periods.create_period(s, a, "2031H1", **_windows(2031)),
    ),
    (
        "review_periods.update_period",
        CBS,
        lambda s, a, w: review_periods.update_period(s, a, "2031H2", **_windows(2031)),
    ),
    ("servicedesk.beheer_view", DESK, lambda s, a, w: servicedesk.beheer_view(s, a)),
    (
        "servicedesk.role_editor",
        DESK,
        lambda s, a, w: servicedesk.role_editor(s, a, w.user_id),
    ),
    (
        "servicedesk.add_organisation_from_form",
        DESK,
        lambda s, a, w: servicedesk.add_organisation_from_form(
            s, a, {"kind": "cbs", "name": "Nieuw", "identifier": "12345678901"}
        ),
    ),
    (
        "servicedesk.add_user_from_form",
        DESK,
        lambda s, a, w: servicedesk.add_user_from_form(s, a, _new_user(w), ["gebruiker"]),
    ),
    (
        "servicedesk.save_roles",
        DESK,
        lambda s, a, w: servicedesk.save_roles(
            s, a, w.user_id, ["gebruiker", "productbeheerder CBS Monitor"]
        ),
    ),
    (
        "servicedesk.change_active",
        DESK,
        lambda s, a, w: servicedesk.change_active(s, a, w.user_id, False),
    ),
    (
        "servicedesk.issue_code_for",
        DESK,
        lambda s, a, w: servicedesk.issue_code_for(s, a, w.user_id),
    ),
    (
        "servicedesk.add_delegation_from_form",
        DESK,
        lambda s, a, w: servicedesk.add_delegation_from_form(
            s, a, {"municipality_code": "0200", "organisation_id": str(w.cooperative_id)}
        ),
    ),
    (
        "servicedesk.end_delegation_now",
        DESK,
        lambda s, a, w: servicedesk.end_delegation_now(s, a, w.delegation_id),
    ),
    (
        "administration.list_organisations",
        DESK,
        lambda s, a, w: administration.list_organisations(s, a),
    ),
    ("administration.list_users", DESK, lambda s, a, w: administration.list_users(s, a)),
    ("administration.blocked_users", DESK, lambda s, a, w: administration.blocked_users(s, a)),
    (
        "administration.list_delegations",
        DESK,
        lambda s, a, w: administration.list_delegations(s, a),
    ),
    (
        "administration.add_organisation",
        DESK,
        lambda s, a, w: administration.add_organisation(
            s, a, kind="cbs", name="Nieuw", identifier="12345678902"
        ),
    ),
    (
        "administration.add_user",
        DESK,
        lambda s, a, w: administration.add_user(
            s,
            a,
            organisation_id=w.organisation_id,
            name="Nieuwe Collega",
            email="n.collega@amsterdam.example",
            employee_id="n.collega",
            roles=["gebruiker"],
        ),
    ),
    (
        "administration.set_roles",
        DESK,
        lambda s, a, w: administration.set_roles(s, a, w.user_id, ["gebruiker"]),
    ),
    (
        "administration.set_active",
        DESK,
        lambda s, a, w: administration.set_active(s, a, w.user_id, False),
    ),
    (
        "administration.add_delegation",
        DESK,
        lambda s, a, w: administration.add_delegation(
            s, a, municipality_code="0200", organisation_id=w.cooperative_id
        ),
    ),
    (
        "administration.end_delegation",
        DESK,
        lambda s, a, w: administration.end_delegation(s, a, w.delegation_id),
    ),
    ("administration.issue_code", DESK, lambda s, a, w: administration.issue_code(s, a, w.user_id)),
    ("suppliers.suppliers_view", DESK, lambda s, a, w: suppliers.suppliers_view(s, a)),
    (
        "suppliers.register_supplier",
        DESK,
        lambda s, a, w: suppliers.register_supplier(s, a, "Zorgdata B.V.", "12345678"),
    ),
    (
        "suppliers.create_client",
        DESK,
        lambda s, a, w: suppliers.create_client(s, a, _demo_supplier(s), "Export"),
    ),
    (
        "suppliers.rotate_secret",
        DESK,
        lambda s, a, w: suppliers.rotate_secret(s, a, demo_data.DEMO_CLIENT_ID),
    ),
    (
        "suppliers.revoke_client",
        DESK,
        lambda s, a, w: suppliers.revoke_client(s, a, demo_data.DEMO_CLIENT_ID),
    ),
    ("suppliers.links_view", AMSTERDAM, lambda s, a, w: suppliers.links_view(s, a, "0363")),
    (
        "suppliers.authorise",
        AMSTERDAM_PRODUCT_MANAGER,
        lambda s, a, w: suppliers.authorise(s, a, "0363", _demo_supplier(s), terms_accepted=True),
    ),
    (
        "suppliers.revoke",
        AMSTERDAM_PRODUCT_MANAGER,
        lambda s, a, w: suppliers.revoke(s, a, "0363", _demo_supplier(s)),
    ),
]


def _demo_supplier(s) -> int:
    return (
        s.exec(
            select(Organisation).where(
                Organisation.identifier == demo_data.DEMO_SUPPLIER_IDENTIFIER
            )
        )
        .one()
        .id
    )


def _grant(s, w: World):
    """A redeemed grant of Amsterdam's technical report, as the download route holds it."""
    from cbs_monitor.models import DownloadGrant

    return DownloadGrant(
        token_hash="x",
        user_id=w.user_id,
        kind=report_files.TECHNICAL_KIND,
        params={"report_id": w.technical_id},
        expires_at=clock.now(),
    )


def _windows(year: int) -> dict[str, str]:
    return {
        "delivery_opens_on": f"{year + 1}-01-05",
        "delivery_closes_on": f"{year + 1}-02-15",
        "withdrawal_opens_on": f"{year + 1}-03-01",
        "withdrawal_closes_on": f"{year + 1}-03-12",
    }


def _form(w: World) -> review_periods.PeriodForm:
    return review_periods.PeriodForm(editing=w.period, code=w.period)


def _new_user(w: World) -> dict[str, str]:
    return {
        "organisation_id": str(w.organisation_id),
        "name": "Nieuwe Collega",
        "email": "n.collega@amsterdam.example",
        "employee_id": "n.collega",
    }


def _outcome(db, employee_id: str | None, call: Call, w: World) -> str:
    """'allowed', 'refused' (a rule said no) or 'denied' (no permission); the transaction of a
    refused or denied call is rolled back, as the pages' one is."""
    try:
        with db.session() as s:
            actor = None
            if employee_id is not None:
                user = s.exec(select(User).where(User.employee_id == employee_id)).one()
                actor = load_actor(s, user.id)
            call(s, actor, w)
    except NotPermitted:
        return "denied"
    except Refused:
        return "refused"
    return "allowed"


def _snapshot(db) -> dict[str, list[str]]:
    from sqlmodel import SQLModel

    with db.session() as s:
        return {
            table.name: sorted(repr(tuple(row)) for row in s.execute(table.select()))
            for table in SQLModel.metadata.sorted_tables
            if table.name not in ("usersession",)
        }


@pytest.mark.parametrize("name,insiders,call", CASES, ids=[c[0] for c in CASES])
def test_use_case_access(world, demo_db, name, insiders, call):
    before = _snapshot(demo_db)
    for employee_id in ACTORS:
        if employee_id not in insiders:
            assert _outcome(demo_db, employee_id, call, world) == "denied", (name, employee_id)
    assert _snapshot(demo_db) == before, name  # no outsider changed anything
    for employee_id in sorted(insiders):
        assert _outcome(demo_db, employee_id, call, world) != "denied", (name, employee_id)


def test_every_use_case_is_in_the_table():
    """A new use case (a public service function taking a session and an actor) must be added."""
    covered = {name for name, _, _ in CASES}
    found = set()
    for alias, module in MODULES.items():
        for fn_name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fn_name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["db", "actor"]:
                found.add(f"{alias}.{fn_name}")
    assert found - covered == set()


def test_a_delegating_municipality_withdraws_only_through_cbs(world, demo_db):
    """Its own user and the coordinator may see the tab, never change it (the CBS form is the way)."""
    for employee_id in ("hanna.kok", "eva.mulder"):
        assert (
            _outcome(
                demo_db,
                employee_id,
                lambda s, a, w: withdrawals.choose(
                    s, a, "0243", "wijk_buurt", withdrawals.WITHDRAW
                ),
                world,
            )
            == "refused"
        )
        view_call = lambda s, a, w: withdrawals.withdrawal_page(s, a, "0243")  # noqa: E731
        assert _outcome(demo_db, employee_id, view_call, world) == "allowed"
