"""The supplier API on the real prod server: the demo credentials deliver over HTTP, the portal
shows the delivery "aangeleverd door" the supplier, and the productbeheerder revokes the
koppeling on the Koppelingen tab, after which the API refuses the next file."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_tabs import open_period, sample_file, via_menu_to_tab

pytestmark = pytest.mark.e2e
SUPPLIER = "Voorbeeld Zorgsoftware B.V."


@pytest.mark.smoke
def test_api_delivery_in_the_portal_and_revoked_on_koppelingen(
    page, login_as, e2e_db, base_url, tmp_path
):
    from cbs_monitor.services import demo_data

    with e2e_db.session() as s:
        creds = demo_data.demo_supplier_credentials(s)
    api = httpx.Client(base_url=base_url + "/api/v1", timeout=30)
    token = api.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    path = sample_file(tmp_path, "0363", open_period(e2e_db), seed=12)
    sent = api.post("/deliveries", files={"file": (path.name, path.read_bytes())}, headers=bearer)
    assert sent.status_code == 202, sent.text
    status_url = sent.json()["status_url"].removeprefix("/api/v1")
    for _ in range(150):
        status = api.get(status_url, headers=bearer).json()
        if status["stage"] == "klaar":
            break
        time.sleep(0.2)
    # The server's own validation worker checked the file (the e2e server runs the SQLite queue).
    assert status["technical_report"]["status"] == "Goedgekeurd", status["stage"]

    login_as(page, "anna.devries")
    via_menu_to_tab(page, "Ophalen")
    row = page.locator("tr", has_text=path.name).first
    expect(row).to_contain_text(SUPPLIER)
    via_menu_to_tab(page, "Koppelingen")
    link = page.locator("#koppelingen tr", has_text=SUPPLIER)
    expect(link).to_contain_text("mag aanleveren sinds")
    screenshot(page, "koppelingen")
    link.get_by_role("button", name="Intrekken").click()
    expect(page.locator("#koppelingen-melding")).to_contain_text("mag niet meer aanleveren")
    expect(link).to_contain_text("geen toestemming")

    again = api.post("/deliveries", files={"file": (path.name, path.read_bytes())}, headers=bearer)
    assert again.status_code == 403
