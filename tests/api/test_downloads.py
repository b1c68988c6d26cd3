"""GET /download/{token}: only for the user the link was granted to, once, with their own session."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from cbs_monitor import clock
from cbs_monitor.api import downloads as download_route
from cbs_monitor.api.app import build_api
from cbs_monitor.api.downloads import content_disposition
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


def _anna_download(demo_db, filename: str):
    """A technical report of Anna's delivery, its file renamed; returns (client, token)."""
    clock.set_fixed(dt.datetime(2026, 11, 29, 10, 0))
    with demo_db.session() as s:
        demo_data.seed_history(s)
    with demo_db.session() as s:
        anna = s.exec(select(User).where(User.employee_id == "anna.devries")).one()
        delivery = s.exec(select(Delivery).where(Delivery.municipality_code == "0363")).first()
        delivery.filename = filename
        s.add(delivery)
        technical = readiness_reports.report_of(s, delivery.id, ReportKind.technical)
        token = downloads.grant(s, anna.id, report_files.TECHNICAL_KIND, report_id=technical.id)
        cookie = sessions.create_session(s, anna.id)
    client = TestClient(build_api())
    client.cookies.set(sessions.COOKIE_NAME, cookie)
    return client, token


@pytest.mark.parametrize(
    ("filename", "fallback", "encoded"),
    [
        (
            "rapport€.zip",
            "Technisch_rapport_rapport.xlsx",
            "Technisch_rapport_rapport%E2%82%AC.xlsx",
        ),
        (
            'WMO_0363_"x"\\y.csv',
            'Technisch_rapport_WMO_0363_\\"x\\"\\\\y.xlsx',
            "Technisch_rapport_WMO_0363_%22x%22%5Cy.xlsx",
        ),
    ],
)
def test_a_unicode_or_quoted_file_name_downloads(demo_db, filename, fallback, encoded):
    client, token = _anna_download(demo_db, filename)
    response = client.get(f"/download/{token}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    )


def test_the_ascii_fallback_never_breaks_the_header():
    value = content_disposition('a\r\nSet-Cookie: x="1"\u0000é.xlsx')
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert value.encode("latin-1")  # a header Starlette can send
    assert 'filename="a__Set-Cookie: x=\\"1\\"_e.xlsx"' in value


def test_a_failed_download_does_not_spend_the_link(demo_db, monkeypatch):
    client, token = _anna_download(demo_db, "rapport€.zip")

    def broken(filename):
        # Where the old route failed: the answer is made after the report was built.
        raise UnicodeEncodeError("latin-1", filename, 0, 1, "ordinal not in range(256)")

    monkeypatch.setattr(download_route, "content_disposition", broken)
    failed = client.get(f"/download/{token}")
    assert failed.status_code == 500 and "Traceback" not in failed.text
    assert "later opnieuw" in failed.text
    monkeypatch.undo()
    assert client.get(f"/download/{token}").status_code == 200  # the link still works, once
    assert client.get(f"/download/{token}").status_code == 410
