"""Fixtures of the CBS desk tests: the demo world on a fixed day, actors, and deliveries made for real."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import (
    Delivery,
    DeliveryStatus,
    Organisation,
    Report,
    ReportKind,
    ReportStatus,
    User,
)
from cbs_monitor.protocol import ValidationContext, validate_upload
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.services import deliveries, service_levels
from cbs_monitor.services.permissions import load_actor
from cbs_monitor.settings import reset_settings

# A Thursday: the demo's 2026H1 delivery window is open, 2025H2's withdrawal window too.
TODAY = dt.datetime(2026, 11, 26, 10, 0)
PERIOD = "2026H1"


@pytest.fixture
def world(migrated_db):
    """The demo set-up seeded on TODAY; yields the db module."""
    from cbs_monitor.services import demo_data

    clock.set_fixed(TODAY)
    with migrated_db.session() as s:
        demo_data.seed_demo(s, today=TODAY.date())
    yield migrated_db


@pytest.fixture
def review_release(monkeypatch):
    """Op-orde reports wait for CBS (readiness_release=review)."""
    monkeypatch.setenv("CBS_MONITOR_READINESS_RELEASE", "review")
    reset_settings()
    yield
    reset_settings()


def actor(s, employee_id: str):
    user = s.exec(select(User).where(User.employee_id == employee_id)).one()
    return load_actor(s, user.id)


def deliver(
    s, employee_id: str, code: str, *, approved: bool = True, seed: int = 1, period: str = PERIOD
) -> Delivery:
    """A delivery through the real pipeline: sample file, validator, deliveries.record."""
    name, data = generate_sample(
        code, period, records=120, seed=seed, error_rate=0.0 if approved else 0.3
    )
    result = validate_upload(name, data, context=ValidationContext(upload_date=clock.today()))
    assert result.approved == approved
    outcome = deliveries.record(s, actor(s, employee_id), code, name, data, result)
    return s.get(Delivery, outcome.delivery_id)


def plain_delivery(
    s,
    code: str,
    *,
    status=DeliveryStatus.approved,
    received_at=None,
    readiness=None,
    period: str = PERIOD,
    organisation: str = "Gemeente Amsterdam",
) -> Delivery:
    """A delivery row made directly (no file): for overview cases where the content does not matter."""
    org = s.exec(select(Organisation).where(Organisation.name == organisation)).one()
    received_at = received_at or clock.now()
    row = Delivery(
        municipality_code=code,
        period_code=period,
        organisation_id=org.id,
        filename=f"WMO_{code}_{period}_20260815.csv",
        size=10,
        sha256="0" * 64,
        received_at=received_at,
        status=status,
    )
    s.add(row)
    s.flush()
    tech_status = {
        DeliveryStatus.approved: ReportStatus.approved,
        DeliveryStatus.rejected: ReportStatus.rejected,
        DeliveryStatus.received: ReportStatus.pending,
    }[status]
    s.add(
        Report(
            delivery_id=row.id,
            kind=ReportKind.technical,
            status=tech_status,
            due_at=service_levels.technical_due(received_at),
            created_at=received_at,
        )
    )
    if readiness is not None:
        s.add(
            Report(
                delivery_id=row.id,
                kind=ReportKind.readiness,
                status=readiness,
                due_at=service_levels.readiness_due(received_at),
                created_at=received_at,
                released_at=received_at if readiness == ReportStatus.ready else None,
            )
        )
    s.flush()
    return row
