"""GET /download/{token}: only for the user the link was granted to, once, with their own session."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from starlette.testclient import TestClient

from cbs_monitor import clock
from cbs_monitor.api.app import build_api
from cbs_monitor.models import Delivery, ReportKind, User
from cbs_monitor.services import demo_data, downloads, readiness_reports, report_files, sessions


def test_download_route_refuses_other_users_tampered_and_missing_cookies(demo_db):
    clock.set_fixed(dt.datetime(2026, 11, 29, 10, 0))
    with demo_db.session() as s:
        demo_data.seed_history(s)
    with demo_db.session() as s:
        anna = s.exec(select(User).where(User.employee_id == "anna.devries")).one()
        carla = s.exec(select(User).where(User.employee_id == "carla.bakker")).one()
        delivery = s.exec(select(Delivery).where(Delivery.municipality_code == "0363")).first()
        technical = readiness_reports.report_of(s, delivery.id, ReportKind.technical)
        token = downloads.grant(s, anna.id, report_files.TECHNICAL_KIND, report_id=technical.id)
        anna_cookie = sessions.create_session(s, anna.id)
        carla_cookie = sessions.create_session(s, carla.id)
    client = TestClient(build_api())
    for cookie in (None, anna_cookie + "x", carla_cookie):
        client.cookies.clear()
        if cookie:
            client.cookies.set(sessions.COOKIE_NAME, cookie)
        assert client.get(f"/download/{token}").status_code == 410
    client.cookies.clear()
    client.cookies.set(sessions.COOKIE_NAME, anna_cookie)
    response = client.get(f"/download/{token}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(f"/download/{token}").status_code == 410  # single use
