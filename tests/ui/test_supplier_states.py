"""The Leveranciers tab of /beheer and the Koppelingen tab, as the event processor calls them:
the servicedesk registers a supplier and makes a client (the secret shown once), Amsterdam's
productbeheerder allows it, and the secret then gets a token from the API."""

from __future__ import annotations

import base64

from starlette.testclient import TestClient

from cbs_monitor.api.app import build_api
from cbs_monitor.ui.pages.beheer.suppliers import SuppliersState
from cbs_monitor.ui.tabs.koppelingen import LinksState
from tests.ui.test_states import call, cookie_of, state_of


def test_from_beheer_and_koppelingen_to_a_working_client(demo_db):
    desk = state_of(SuppliersState, cookie_of(demo_db, "gerda.smit"), "/beheer")
    call(SuppliersState.load, desk)
    assert desk.error == "" and any(
        s.name == "Voorbeeld Zorgsoftware B.V." for s in desk.view.suppliers
    )
    call(
        SuppliersState.register_supplier, desk, {"name": "Zorgdata B.V.", "identifier": "12345678"}
    )
    assert desk.error == "", desk.error
    supplier = next(s for s in desk.view.suppliers if s.name == "Zorgdata B.V.")
    assert supplier.municipalities == "nog geen"
    call(
        SuppliersState.create_client, desk, {"organisation_id": str(supplier.id), "name": "Export"}
    )
    first_id, first_secret = desk.client_id, desk.client_secret
    assert first_id.startswith("cbsm-") and len(first_secret) >= 40
    call(SuppliersState.rotate, desk, first_id)
    assert desk.client_id == first_id and desk.client_secret not in ("", first_secret)
    secret = desk.client_secret
    call(SuppliersState.hide_secret, desk)
    assert desk.client_secret == ""

    # A gebruiker sees the koppelingen but cannot change them; the productbeheerder can.
    bram = state_of(LinksState, cookie_of(demo_db, "bram.jansen"), "/cbs-monitor/koppelingen")
    call(LinksState.load, bram)
    assert bram.view is not None and not bram.view.can_change
    call(LinksState.allow, bram, supplier.id)
    assert "productbeheerder" in bram.error
    anna = state_of(LinksState, cookie_of(demo_db, "anna.devries"), "/cbs-monitor/koppelingen")
    call(LinksState.load, anna)
    assert anna.view.can_change
    call(LinksState.allow, anna, supplier.id)
    assert "Algemene voorwaarden" in anna.error
    call(LinksState.set_terms_accepted, anna, True)
    call(LinksState.allow, anna, supplier.id)
    assert anna.error == "" and "mag nu aanleveren" in anna.success
    assert next(r for r in anna.view.rows if r.organisation_id == supplier.id).authorised

    client = TestClient(build_api())
    basic = base64.b64encode(f"{first_id}:{secret}".encode()).decode()
    token = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + basic},
    )
    assert token.status_code == 200, token.text

    # Revoked on /beheer: the secret no longer gets a token.
    call(SuppliersState.revoke, desk, first_id)
    assert next(c for c in desk.view.clients if c.client_id == first_id).status == "ingetrokken"
    again = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + basic},
    )
    assert again.status_code == 401


def test_only_the_servicedesk_opens_the_leveranciers_tab(demo_db):
    state = state_of(SuppliersState, cookie_of(demo_db, "anna.devries"), "/beheer")
    event = call(SuppliersState.load, state)
    assert state.view is None and event is not None


def test_an_api_clients_user_is_no_person_on_beheer_or_at_login(demo_db):
    from sqlmodel import select

    from cbs_monitor.models import Organisation
    from cbs_monitor.services import demo_data
    from cbs_monitor.services.accounts import administration, login_binding
    from tests.api.conftest import actor_of

    with demo_db.session() as s:
        rows = administration.list_users(s, actor_of(s, "gerda.smit"))
        assert rows and not any(r.employee_id.startswith("api:") for r in rows)
        org = s.exec(
            select(Organisation).where(
                Organisation.identifier == demo_data.DEMO_SUPPLIER_IDENTIFIER
            )
        ).one()
        technical = "api:" + demo_data.DEMO_CLIENT_ID
        assert login_binding.find_preregistered_user(s, org.identifier, technical) is None
