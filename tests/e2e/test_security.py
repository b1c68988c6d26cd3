"""The running portal against a page of another origin (issue 11, items 1, 5 and 6): no CORS grant
and no websocket for a foreign Origin, the security headers on every kind of response, the pages
working under their CSP in Chromium, and no logout triggered by another site."""

from __future__ import annotations

import base64
import os
import re
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from cbs_monitor.models import WithdrawalPart
from cbs_monitor.services import sessions

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _request(base_url: str, path: str, *, method: str = "GET", headers=None, data=None):
    """(status, headers, body) of one request, errors included, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        base_url + path, data=data, method=method, headers=headers or {}
    )
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _handshake(base_url: str, origin: str) -> bytes:
    """The status line of a websocket handshake on Reflex's event endpoint."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {origin}\r\n\r\n"
            ).encode()
        )
        return sock.recv(4096).split(b"\r\n", 1)[0]


# --- item 1: origins -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/download/some-token", "/healthz", "/ping", "/login/", "/"])
def test_a_foreign_origin_gets_no_cors_grant(base_url, path):
    _, headers, _ = _request(base_url, path, headers={"Origin": EVIL})
    assert headers.get("access-control-allow-origin") is None
    _, headers, _ = _request(base_url, path, headers={"Origin": base_url})
    assert headers.get("access-control-allow-origin") == base_url


def test_a_foreign_preflight_is_refused(base_url):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x"}
    status, headers, _ = _request(
        base_url, "/_upload", method="OPTIONS", headers={"Origin": EVIL, **preflight}
    )
    assert status >= 400 and headers.get("access-control-allow-origin") is None
    status, headers, _ = _request(
        base_url, "/_upload", method="OPTIONS", headers={"Origin": base_url, **preflight}
    )
    assert status == 200 and headers.get("access-control-allow-origin") == base_url


def test_the_websocket_handshake_needs_the_portals_origin(base_url):
    assert b" 101 " in _handshake(base_url, base_url) + b" "
    for foreign in (EVIL, "null", base_url.replace("127.0.0.1", "127.0.0.2")):
        status = _handshake(base_url, foreign)
        assert b" 403 " in status + b" ", (foreign, status)


def test_a_foreign_page_cannot_post(base_url):
    for path in ("/_upload", "/auth/logout", "/verificatiecode", "/idp/authorize"):
        status, _, body = _request(
            base_url, path, method="POST", headers={"Origin": EVIL}, data=b"x=1"
        )
        assert status == 403 and "niet van het portaal" in body.decode(), path


# --- item 5: security headers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/", "GET"),
        ("/login/", "GET"),
        ("/cbs-monitor/ophalen/", "GET"),
        ("/bestaat-niet", "GET"),
        ("/_event/?EIO=4&transport=polling", "GET"),
        ("/_upload", "POST"),
        ("/_upload/x.csv", "GET"),
        ("/download/some-token", "GET"),
        ("/auth/login", "GET"),
        ("/auth/logout", "GET"),
        ("/verificatiecode", "GET"),
        ("/healthz", "GET"),
        ("/ping", "GET"),
        ("/logo.svg", "GET"),
    ],
)
def test_every_response_carries_the_security_headers(base_url, path, method):
    status, headers, _ = _request(
        base_url, path, method=method, headers={"Accept-Encoding": "gzip"}
    )
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (path, status, name)
    assert "camera=()" in headers.get("permissions-policy", "")
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (path, status)
    assert re.search(r"script-src[^;]*'unsafe-inline'", csp) is None
    # HSTS only where the base URL is https (loopback here).
    assert headers.get("strict-transport-security") is None


def test_a_page_allows_exactly_its_own_inline_scripts(base_url):
    _, headers, body = _request(base_url, "/login/")
    csp = headers["content-security-policy"]
    hashes = re.findall(r"'sha256-[A-Za-z0-9+/=]+'", csp)
    inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert hashes and len(hashes) <= len(inline)
    assert "default-src 'self'" in csp and "object-src 'none'" in csp


def test_a_not_modified_page_keeps_its_own_csp(e2e_server):
    """A 304 updates the headers the browser stored with the page: it must not bring a CSP.
    Asked of one node: each node builds its own pages, so another node's ETag differs."""
    url = e2e_server.node_url(1) if e2e_server.topology == "production" else e2e_server.base_url
    _, first, _ = _request(url, "/login/")
    status, headers, _ = _request(url, "/login/", headers={"If-None-Match": first["etag"]})
    assert status == 304 and headers.get("content-security-policy") is None
    assert headers.get("x-frame-options") == "DENY"


def _watch_csp(page) -> list[str]:
    """Collect CSP violations and script errors of a page (in the page itself and the console)."""
    found: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on(
        "console",
        lambda m: (
            found.append(m.text)
            if m.type == "error" and ("Content Security Policy" in m.text or "CSP" in m.text)
            else None
        ),
    )
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    return found


def _withdrawn(e2e_db, code: str, part) -> bool:
    from sqlmodel import select

    from cbs_monitor.models import Withdrawal

    with e2e_db.session() as s:
        rows = s.exec(
            select(Withdrawal).where(Withdrawal.municipality_code == code, Withdrawal.part == part)
        ).all()
        return any(row.withdrawn for row in rows)


def test_the_pages_work_under_their_csp(page, login_as, e2e_db):
    violations = _watch_csp(page)
    page.goto("/login")
    expect(page.get_by_role("link", name="Ga verder")).to_be_visible()
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/ophalen")
    expect(page.locator("#rapporten")).to_contain_text("WMO_0363_")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"^Download Technisch rapport")).first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name="Berichtenlog").click()
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#aantal-berichten, #geen-berichten").first).to_be_visible()
    page.get_by_role("link", name="Intrekken aanlevering").click()
    radio = page.get_by_role("radio", name="Aanlevering intrekken: Wijk- en buurtniveau")
    radio.click()
    expect(page.get_by_text("Uw keuze is opgeslagen.")).to_be_visible()  # a server-sent toast
    # Back to the default, so the tab tests that share this database start from it.
    page.get_by_role("radio", name="Publiceren: Wijk- en buurtniveau").click()
    deadline = time.monotonic() + 20
    while _withdrawn(e2e_db, "0363", WithdrawalPart.neighbourhood):
        assert time.monotonic() < deadline, "the choice was not put back"
        page.wait_for_timeout(200)
    page.get_by_role("link", name="Aanleveren").click()
    expect(page.locator("#venster")).to_be_visible()
    page.reload()  # from the browser's cache, revalidated (304)
    expect(page.locator("#header-user")).to_have_text("Anna de Vries")
    assert violations == []


def _leave_the_portal(page) -> None:
    """Go to about:blank before another user's cookie is set: a live tab whose session changes
    reloads itself, which would race with the next navigation. A reload the tab started itself
    may still abort or interrupt this navigation; then the tab is left a moment later."""
    from playwright.sync_api import Error

    for attempt in range(5):
        try:
            page.goto("about:blank")
            return
        except Error as error:
            raced = "ERR_ABORTED" in str(error) or "interrupted by another navigation" in str(error)
            if not raced or attempt == 4:
                raise
            page.wait_for_timeout(300)


def test_the_desks_and_the_switcher_work_under_their_csp(page, login_as):
    violations = _watch_csp(page)
    login_as(page, "eva.mulder")
    page.goto("/cbs-monitor/berichtenlog")
    with page.expect_navigation():  # the switch reloads the page
        page.get_by_label("Gemeente").select_option("0233")
    expect(page.get_by_label("Gemeente")).to_have_value("0233")
    expect(page.locator("#header-organisation")).to_be_visible()
    _leave_the_portal(page)
    login_as(page, "frank.deboer")
    page.goto("/cbs")
    expect(page.locator("#header-user")).to_have_text("Frank de Boer")
    _leave_the_portal(page)
    login_as(page, "gerda.smit")
    page.goto("/beheer")
    expect(page.locator("#header-user")).to_have_text("Gerda Smit")
    assert violations == []


# --- item 6: logout by another site --------------------------------------------------------------


def _session_cookie(page) -> str | None:
    return next(
        (c["value"] for c in page.context.cookies() if c["name"] == sessions.COOKIE_NAME), None
    )


def test_another_site_cannot_log_the_user_out_but_the_button_does(page, login_as, e2e_db, base_url):
    login_as(page, "anna.devries")
    page.goto("/cbs-monitor/ophalen")
    expect(page.locator("#header-user")).to_have_text("Anna de Vries")
    token = _session_cookie(page)
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={token}"}

    def live() -> bool:
        with e2e_db.session() as s:
            return sessions.resolve_session(s, token, touch=False) is not None

    # A link or an image to /auth/logout (GET) only shows the confirmation form.
    status, _, body = _request(base_url, "/auth/logout", headers=cookie)
    assert status == 200 and 'name="csrf"' in body.decode() and live()
    # A page on another port of the same host (same site: the cookie goes along) posts a form:
    # refused for its origin, and without the session's form token even with no Origin at all.
    for origin in ({"Origin": "http://127.0.0.1:1"}, {}):
        status, _, _ = _request(
            base_url,
            "/auth/logout",
            method="POST",
            headers={**cookie, **origin, "Content-Type": "application/x-www-form-urlencoded"},
            data=b"csrf=forged",
        )
        assert status == 403 and live(), origin
    # The header's Uitloggen button logs out.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/login"))
    assert not live() and _session_cookie(page) is None
