"""Idempotency, rate limits, the upload cap, hostile ZIP files, and the same verdict through
the API as through the Aanleveren tab."""

from __future__ import annotations

import io
import zipfile

from sqlmodel import func, select

from cbs_monitor.models import Delivery, Message
from cbs_monitor.services import deliveries
from cbs_monitor.settings import reset_settings
from tests.api.conftest import browser_deliver, get_token, sample


def _send(client, bearer, name, data, **headers):
    return client.post(
        "/api/v1/deliveries", files={"file": (name, data)}, headers={**bearer, **headers}
    )


def _count(api_db) -> int:
    with api_db.session() as s:
        return s.exec(select(func.count()).select_from(Delivery)).one()


def test_a_retry_with_the_same_idempotency_key_returns_the_first_delivery(
    api_db, client, bearer, open_period
):
    name, data = sample("0363", open_period)
    before = _count(api_db)
    first = _send(client, bearer, name, data, **{"Idempotency-Key": "export-2026-07-01"})
    retry = _send(client, bearer, name, data, **{"Idempotency-Key": "export-2026-07-01"})
    assert first.status_code == retry.status_code == 202
    assert retry.json()["id"] == first.json()["id"] and retry.json()["replayed"] is True
    assert first.json()["replayed"] is False
    assert _count(api_db) == before + 1
    other_file = _send(
        client, bearer, name, data + b"\n", **{"Idempotency-Key": "export-2026-07-01"}
    )
    assert other_file.status_code == 422 and "Idempotency-Key" in other_file.json()["detail"]
    without_key = _send(client, bearer, name, data)
    assert without_key.status_code == 202 and without_key.json()["id"] != first.json()["id"]
    assert _count(api_db) == before + 2


def test_rate_limit_per_client_with_retry_after(api_db, client, supplier, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_API_RATE_PER_MINUTE", "3")
    monkeypatch.setenv("CBS_MONITOR_API_TOKEN_RATE_PER_MINUTE", "2")
    reset_settings()
    bearer = {"Authorization": "Bearer " + get_token(client, supplier)}
    codes = [client.get("/api/v1/periods", headers=bearer).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/periods", headers=bearer)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and limited.json()["detail"]
    get_token(client, supplier)
    third = client.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, headers=supplier.basic()
    )
    assert third.status_code == 429 and "Retry-After" in third.headers


def test_the_upload_cap_is_enforced_on_the_server(client, bearer, open_period):
    name, _ = sample("0363", open_period)
    just_over = b"x" * (2_621_440 + 1)
    response = _send(client, bearer, name, just_over)
    assert response.status_code == 413 and "2,5 MB" in response.json()["detail"]
    far_over = b"x" * (4 * 1024 * 1024)
    assert _send(client, bearer, name, far_over).status_code == 413


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry, data in entries:
            zf.writestr(entry, data)
    return buffer.getvalue()


def _encrypted(name: str, data: bytes) -> bytes:
    raw = bytearray(_zip([(name, data)]))
    # The "encrypted" flag in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        raw[at + offset] |= 0x01
    return bytes(raw)


def hostile_files(open_period: str) -> dict[str, tuple[str, bytes]]:
    name, data = sample("0363", open_period)
    return {
        "traversal": ("MSD.zip", _zip([("../" + name, data)])),
        "absolute": ("MSD.zip", _zip([("/tmp/" + name, data)])),
        "nested": ("MSD.zip", _zip([("inner.zip", _zip([(name, data)]))])),
        "bomb": ("MSD.zip", _zip([(name, data + b"\n" * 20_000_000)])),
        "too_many": (
            "MSD.zip",
            _zip([(f"WMO_0363_{open_period}_{i:08d}.csv", data) for i in range(11)]),
        ),
        "encrypted": ("MSD.zip", _encrypted(name, data)),
        "not_a_zip": ("MSD.zip", b"PK\x03\x04 this is no archive"),
        "wrong_type": ("WMO_0363.exe", b"MZ\x90\x00"),
    }


def test_hostile_files_are_refused_or_rejected_never_approved(client, bearer, open_period):
    for case, (name, data) in hostile_files(open_period).items():
        response = _send(client, bearer, name, data)
        assert response.status_code in (202, 422), (case, response.status_code, response.text)
        if response.status_code == 422:
            assert response.json()["status"] == "Geweigerd", case
            assert response.json()["findings"], case
        else:
            status = client.get(response.json()["status_url"], headers=bearer).json()
            assert status["technical_report"]["status"] == "Afgekeurd", case


def test_the_same_verdict_as_the_browser_path(api_db, client, bearer, open_period):
    good = sample("0363", open_period)
    flawed = sample("0363", open_period, records=200, error_rate=0.3, seed=7)
    cases = {"good": good, "flawed": flawed, **hostile_files(open_period)}
    for case, (name, data) in cases.items():
        receipt, progress = browser_deliver(api_db, "anna.devries", "0363", name, data)
        browser = progress.report.verdict if receipt else progress.verdict
        response = _send(client, bearer, name, data)
        if response.status_code == 202:
            status = client.get(response.json()["status_url"], headers=bearer).json()
            assert status["stage"] == "klaar", case
            api = status["technical_report"]["status"]
        else:
            api = response.json()["status"]
        assert api == browser, case


def test_an_api_delivery_shows_in_the_portal_with_its_supplier(api_db, client, bearer, open_period):
    name, data = sample("0363", open_period)
    delivery_id = _send(client, bearer, name, data).json()["id"]
    with api_db.session() as s:
        rows = deliveries.list_for_municipality(s, "0363")
        row = next(r for r in rows if r.delivery_id == delivery_id)
        assert row.delivered_by == "Voorbeeld Zorgsoftware B.V."
        kinds = set(s.exec(select(Message.kind).where(Message.delivery_id == delivery_id)).all())
    assert {"bestand_ontvangen", "technisch_rapport"} <= kinds


def test_no_bsn_in_any_response(client, bearer, open_period):
    name, data = sample("0363", open_period, records=120, error_rate=0.2, seed=3)
    header, *rows = data.decode("utf-8-sig").splitlines()
    column = [c.strip().lower() for c in header.split(";")].index("bsn")
    bsns = {row.split(";")[column] for row in rows if row.count(";") > column}
    bsns = {b for b in bsns if len(b) >= 8}
    assert bsns
    sent = _send(client, bearer, name, data)
    status = client.get(sent.json()["status_url"], headers=bearer)
    xlsx = client.get(status.json()["technical_report_xlsx_url"], headers=bearer)
    assert status.json()["technical_report"]["findings"]
    for text in (sent.text, status.text, xlsx.content.decode("latin-1")):
        assert not any(b in text for b in bsns)


def test_two_concurrent_requests_with_one_key_make_one_delivery(
    api_db, client, bearer, open_period
):
    import threading

    name, data = sample("0363", open_period)
    before = _count(api_db)
    answers = []

    def send() -> None:
        answers.append(_send(client, bearer, name, data, **{"Idempotency-Key": "race-1"}))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [202, 202], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert _count(api_db) == before + 1


def test_an_idempotency_key_holds_for_a_day(api_db, client, supplier, open_period):
    import datetime as dt

    from cbs_monitor import clock

    name, data = sample("0363", open_period)
    bearer = {"Authorization": "Bearer " + get_token(client, supplier)}
    first = _send(client, bearer, name, data, **{"Idempotency-Key": "daily"}).json()["id"]
    clock.set_fixed(clock.now() + dt.timedelta(hours=25))
    bearer = {"Authorization": "Bearer " + get_token(client, supplier)}
    later = _send(client, bearer, name, data, **{"Idempotency-Key": "daily"})
    assert later.status_code == 202 and later.json()["id"] != first
    assert later.json()["replayed"] is False


def test_tokens_that_ended_a_day_ago_are_removed(api_db, client, supplier):
    import datetime as dt

    from cbs_monitor import clock
    from cbs_monitor.models import ApiToken

    get_token(client, supplier)
    clock.set_fixed(clock.now() + dt.timedelta(days=2))
    get_token(client, supplier)
    with api_db.session() as s:
        assert s.exec(select(func.count()).select_from(ApiToken)).one() == 1
