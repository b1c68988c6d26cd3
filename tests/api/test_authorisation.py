"""Who may call what: a supplier for 0363 gets nothing of 0599; revoked, rotated and expired
credentials get 401; a session cookie opens no API call and a bearer token no portal page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from cbs_monitor import clock
from cbs_monitor.services import portal, sessions, suppliers
from tests.api.conftest import (
    actor_of,
    browser_deliver,
    get_token,
    rotterdam_user,
    sample,
)


def test_a_supplier_for_amsterdam_cannot_deliver_read_or_download_for_rotterdam(
    api_db, client, bearer, open_period
):
    rob = rotterdam_user(api_db)
    name, data = sample("0599", open_period)
    # By the file name, by the field, and by the entries of a ZIP with any name.
    refused = client.post("/api/v1/deliveries", files={"file": (name, data)}, headers=bearer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "U mag geen bestanden aanleveren voor gemeente 0599."
    by_field = client.post(
        "/api/v1/deliveries",
        files={"file": ("MSD.zip", data)},
        data={"gemeentecode": "0599"},
        headers=bearer,
    )
    assert by_field.status_code == 403
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(name, data)
    in_zip = client.post(
        "/api/v1/deliveries",
        files={"file": ("MSD.zip", archive.getvalue())},
        data={"gemeentecode": "0363"},
        headers=bearer,
    )
    assert in_zip.status_code == 403 and "0599" in in_zip.json()["detail"]
    # Rotterdam's own delivery is not there for the supplier (no hint that it exists).
    receipt, progress = browser_deliver(api_db, rob, "0599", name, data)
    assert progress.stage == "klaar"
    base = f"/api/v1/deliveries/{receipt.delivery_id}"
    for path in (base, base + "/technical-report.xlsx", base + "/readiness-report.xlsx"):
        response = client.get(path, headers=bearer)
        assert response.status_code == 404, path
        assert "PK" not in response.text and "0599" not in response.text


def test_revoked_by_the_municipality_means_no_more_deliveries(api_db, client, bearer, open_period):
    with api_db.session() as s:
        anna = actor_of(s, "anna.devries")
        links = suppliers.links_view(s, anna, "0363")
        org_id = next(r.organisation_id for r in links.rows if r.authorised)
        bram = actor_of(s, "bram.jansen")  # a gebruiker, not the productbeheerder
        assert not suppliers.links_view(s, bram, "0363").can_change
        suppliers.revoke(s, anna, "0363", org_id)
    name, data = sample("0363", open_period)
    response = client.post("/api/v1/deliveries", files={"file": (name, data)}, headers=bearer)
    assert response.status_code == 403


def test_revoked_client_rotated_secret_and_expired_token_get_401(api_db, client, supplier, bearer):
    assert client.get("/api/v1/periods", headers=bearer).status_code == 200
    # Expired: the token lives 15 minutes.
    clock.set_fixed(clock.now() + dt.timedelta(minutes=16))
    expired = client.get("/api/v1/periods", headers=bearer)
    assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
    assert "verlopen" in expired.json()["detail"]
    clock.set_fixed(None)
    # Rotated: the old token and the old secret stop working.
    with api_db.session() as s:
        gerda = actor_of(s, "gerda.smit")
        done = suppliers.rotate_secret(s, gerda, supplier.client_id)
    assert client.get("/api/v1/periods", headers=bearer).status_code == 401
    old = client.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, headers=supplier.basic()
    )
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    supplier.client_secret = done.client_secret
    fresh = {"Authorization": "Bearer " + get_token(client, supplier)}
    assert client.get("/api/v1/periods", headers=fresh).status_code == 200
    # Revoked: tokens and secret both.
    with api_db.session() as s:
        suppliers.revoke_client(s, actor_of(s, "gerda.smit"), supplier.client_id)
    assert client.get("/api/v1/periods", headers=fresh).status_code == 401
    again = client.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, headers=supplier.basic()
    )
    assert again.status_code == 401


def test_token_requests_that_are_wrong(client, supplier):
    url = "/api/v1/token"
    basic = supplier.basic()
    wrong_secret = client.post(
        url, data={"grant_type": "client_credentials"}, headers=supplier.basic("nope")
    )
    assert wrong_secret.status_code == 401 and wrong_secret.json()["detail"]
    # Secrets in the body (client_secret_post) are not accepted: HTTP Basic only.
    in_body = client.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": supplier.client_id,
            "client_secret": supplier.client_secret,
        },
    )
    assert in_body.status_code == 401
    grant = client.post(url, data={"grant_type": "password"}, headers=basic)
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    scope = client.post(
        url, data={"grant_type": "client_credentials", "scope": "alles"}, headers=basic
    )
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"
    ok = client.post(url, data={"grant_type": "client_credentials"}, headers=basic)
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"
    assert ok.json()["token_type"] == "Bearer" and ok.json()["expires_in"] == 900


def test_a_read_only_token_cannot_deliver(client, supplier, open_period):
    token = get_token(client, supplier, scope="rapporten")
    name, data = sample("0363", open_period)
    response = client.post(
        "/api/v1/deliveries",
        files={"file": (name, data)},
        headers={"Authorization": "Bearer " + token},
    )
    assert response.status_code == 403 and "aanleveren" in response.json()["detail"]


def test_a_session_cookie_is_no_api_credential_and_a_token_no_portal_session(
    api_db, client, bearer
):
    with api_db.session() as s:
        anna = actor_of(s, "anna.devries")
        cookie = sessions.create_session(s, anna.user_id)
    client.cookies.set(sessions.COOKIE_NAME, cookie)
    response = client.get("/api/v1/periods")
    assert response.status_code == 401
    # The bearer token as the portal's session cookie, or as a header on a download: nothing.
    token = bearer["Authorization"].split(" ", 1)[1]
    client.cookies.clear()
    client.cookies.set(sessions.COOKIE_NAME, token)
    with api_db.session() as s:
        assert portal.resolve_context(s, token) is None
    assert client.get("/download/anything", headers=bearer).status_code == 410
