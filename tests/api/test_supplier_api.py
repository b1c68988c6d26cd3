"""The supplier API end to end in process: token, deliver, poll, report, .xlsx."""

from __future__ import annotations

from tests.api.conftest import sample


def test_deliver_poll_and_fetch_reports(client, bearer, open_period):
    periods = client.get("/api/v1/periods", headers=bearer)
    assert periods.status_code == 200
    assert any(p["code"] == open_period and p["delivery_window_open"] for p in periods.json())
    name, data = sample("0363", open_period)
    sent = client.post("/api/v1/deliveries", files={"file": (name, data)}, headers=bearer)
    assert sent.status_code == 202, sent.text
    receipt = sent.json()
    assert receipt["status"] == "ontvangen" and receipt["size"] == len(data)
    status = client.get(receipt["status_url"], headers=bearer)
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["stage"] == "klaar", body
    assert body["technical_report"]["status"] == "Goedgekeurd"
    assert body["delivered_by"] == "Voorbeeld Zorgsoftware B.V."
    xlsx = client.get(body["technical_report_xlsx_url"], headers=bearer)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    readiness = client.get(body["readiness_report_xlsx_url"], headers=bearer)
    assert readiness.status_code == 200 and readiness.content[:2] == b"PK"
