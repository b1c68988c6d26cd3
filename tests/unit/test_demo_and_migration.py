"""Demo seeding (idempotent, complete) and the migration (upgrade equals the models)."""

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, func, select

from cbs_monitor.models import (
    Delegation,
    Identity,
    Municipality,
    ReportingPeriod,
    Role,
    User,
    UserRole,
)
from cbs_monitor.services import demo_data, periods


def test_migration_upgrade_equals_models(migrated_db):
    with migrated_db.get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_seed_is_idempotent_and_complete(migrated_db):
    with migrated_db.session() as s:
        first = demo_data.seed_demo(s, today=dt.date(2026, 11, 29))
    with migrated_db.session() as s:
        second = demo_data.seed_demo(s, today=dt.date(2026, 11, 29))
    assert first["municipalities"] == 342
    assert all(v == 0 for v in second.values())
    with migrated_db.session() as s:
        assert s.exec(select(func.count()).select_from(Municipality)).one() == 342
        assert s.get(Municipality, "0363").name == "Amsterdam"
        assert len(s.exec(select(Delegation)).all()) == 3
        roles = {r.role for r in s.exec(select(UserRole))}
        assert {
            Role.product_manager,
            Role.coordinator,
            Role.cbs_reviewer,
            Role.servicedesk,
        } <= roles
        unlinked = [
            u
            for u in s.exec(select(User))
            if not s.exec(select(Identity).where(Identity.user_id == u.id)).first()
        ]
        # Besides daan.visser only the demo supplier's API client, which is no person.
        assert [u.employee_id for u in unlinked] == ["daan.visser", "api:cbsm-demo-leverancier"]


def test_demo_periods_open_today(migrated_db):
    today = dt.date(2026, 11, 29)
    with migrated_db.session() as s:
        demo_data.seed_demo(s, today=today)
        rows = {p.code: p for p in s.exec(select(ReportingPeriod))}
    assert set(rows) == {"2026H1", "2025H2", "2025H1"}
    assert periods.delivery_open(rows["2026H1"], today)
    assert periods.withdrawal_open(rows["2025H2"], today)
    assert not periods.delivery_open(rows["2025H2"], today)
    for p in rows.values():
        periods.validate_windows(p)


def test_demo_periods_in_first_half_year():
    rows = demo_data.demo_periods(dt.date(2027, 2, 10))
    assert [p.code for p in rows] == ["2026H2", "2026H1", "2025H2"]
