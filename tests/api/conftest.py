"""The supplier API on a demo database: validation runs at once (immediate queue), the rate
limiter starts empty, and the demo supplier (authorised for Amsterdam) has a fresh secret."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from starlette.testclient import TestClient

from cbs_monitor import clock
from cbs_monitor.api.app import build_api
from cbs_monitor.api.v1.limits import LIMITER
from cbs_monitor.protocol import generate_sample
from cbs_monitor.services import demo_data, periods
from cbs_monitor.settings import reset_settings


@dataclasses.dataclass
class Supplier:
    client_id: str
    client_secret: str

    def basic(self, secret: str | None = None) -> dict[str, str]:
        raw = f"{self.client_id}:{secret if secret is not None else self.client_secret}"
        return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


@pytest.fixture
def api_db(demo_db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "immediate")
    reset_settings()
    LIMITER.reset()
    yield demo_db
    LIMITER.reset()


@pytest.fixture
def client(api_db) -> TestClient:
    return TestClient(build_api())


@pytest.fixture
def supplier(api_db) -> Supplier:
    with api_db.session() as s:
        found = demo_data.demo_supplier_credentials(s)
    return Supplier(found.client_id, found.client_secret)


def get_token(client: TestClient, supplier: Supplier, **form: str) -> str:
    response = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials", **form},
        headers=supplier.basic(),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def bearer(client, supplier) -> dict[str, str]:
    return {"Authorization": "Bearer " + get_token(client, supplier)}


@pytest.fixture
def open_period(api_db) -> str:
    with api_db.session() as s:
        return periods.open_delivery_periods(s)[-1].code


def sample(code: str, period: str, **kwargs) -> tuple[str, bytes]:
    return generate_sample(
        code, period, records=kwargs.pop("records", 40), created=clock.today(), **kwargs
    )


def actor_of(db, employee_id: str):
    from sqlmodel import select

    from cbs_monitor.models import User
    from cbs_monitor.services.permissions import load_actor

    user = db.exec(select(User).where(User.employee_id == employee_id)).one()
    return load_actor(db, user.id)


def rotterdam_user(api_db) -> str:
    """Gemeente Rotterdam (0599) and one user, registered the way the servicedesk does."""
    from cbs_monitor.services.accounts import administration

    with api_db.session() as s:
        desk = actor_of(s, "gerda.smit")
        org = administration.add_organisation(
            s,
            desk,
            kind="gemeente",
            name="Gemeente Rotterdam",
            identifier="00000001002220650000",
            municipality_code="0599",
        )
        administration.add_user(
            s,
            desk,
            organisation_id=org.id,
            name="Rob Rotterdam",
            email="rob@rotterdam.example",
            employee_id="rob.rotterdam",
            roles=["gebruiker", "productbeheerder CBS Monitor"],
        )
    return "rob.rotterdam"


def browser_deliver(api_db, employee_id: str, code: str, name: str, data: bytes):
    """The Aanleveren tab's way: deliveries.deliver, then its progress (the report, at once in
    the immediate queue). (receipt or None, progress or refused view)."""
    from cbs_monitor.services import deliveries

    with api_db.session() as s:
        sent = deliveries.deliver(
            s, actor_of(s, employee_id), code, name, lambda n: data[:n], terms_accepted=True
        )
    if sent.receipt is None:
        return None, sent.refused
    with api_db.session() as s:
        return sent.receipt, deliveries.delivery_progress(
            s, actor_of(s, employee_id), sent.receipt.delivery_id
        )
