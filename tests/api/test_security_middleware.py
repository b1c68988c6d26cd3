"""The ASGI wrappers around the whole portal, without a server: the security headers (CSP with the
page's inline-script hashes, gzip and file responses included) and the origin guard."""

from __future__ import annotations

import base64
import gzip
import hashlib

import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from cbs_monitor.api.origin_guard import OriginGuard
from cbs_monitor.api.security_headers import SecurityHeaders, inline_script_hashes
from cbs_monitor.settings import reset_settings

PAGE = (
    b"<!doctype html><html><head><script>window.a = 1;</script>"
    b'<script type="module" src="/assets/app.js"></script>'
    b'<script type="module">import "/x.js";</script></head><body></body></html>'
)


def _sha(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


@pytest.fixture
def portal(tmp_path, monkeypatch):
    def make(base_url: str = "http://127.0.0.1:3000", **env: str) -> TestClient:
        monkeypatch.setenv("CBS_MONITOR_BASE_URL", base_url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        page_file = tmp_path / "page.html"
        page_file.write_bytes(PAGE)

        async def websocket(ws: WebSocket) -> None:
            await ws.accept()
            await ws.send_text("hallo")
            await ws.close()

        app = Starlette(
            routes=[
                Route("/page", lambda r: HTMLResponse(PAGE)),
                Route(
                    "/page.gz",
                    lambda r: Response(
                        gzip.compress(PAGE),
                        media_type="text/html",
                        headers={"content-encoding": "gzip"},
                    ),
                ),
                Route("/file", lambda r: FileResponse(page_file, media_type="text/html")),
                Route("/not-modified", lambda r: Response(status_code=304)),
                Route(
                    "/data",
                    lambda r: PlainTextResponse("ok", headers={"x-frame-options": "SAMEORIGIN"}),
                    methods=["GET", "POST"],
                ),
                WebSocketRoute("/ws", websocket),
            ]
        )
        return TestClient(SecurityHeaders(OriginGuard(app)), base_url=base_url)

    yield make
    reset_settings()


def test_inline_scripts_are_hashed_and_external_ones_are_not():
    assert inline_script_hashes(PAGE) == [_sha(b"window.a = 1;"), _sha(b'import "/x.js";')]


@pytest.mark.parametrize("path", ["/page", "/page.gz", "/file"])
def test_a_page_gets_a_csp_with_exactly_its_inline_scripts(portal, path):
    response = portal().get(path)
    assert response.content == PAGE  # the body is passed on unchanged (decoded by the client)
    csp = response.headers["content-security-policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    first, second = _sha(b"window.a = 1;"), _sha(b'import "/x.js";')
    assert script_src == f"script-src 'self' 'unsafe-eval' {first} {second}"
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "connect-src 'self' ws://127.0.0.1:3000",
    ):
        assert directive in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers


def test_other_responses_get_the_headers_and_a_csp_that_loads_nothing(portal):
    response = portal().get("/data")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-frame-options"] == "DENY"  # ours replaces the app's
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "geolocation=()" in response.headers["permissions-policy"]


def test_a_304_brings_no_csp_that_would_replace_the_cached_pages(portal):
    response = portal().get("/not-modified")
    assert response.status_code == 304
    assert "content-security-policy" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


def test_hsts_and_wss_under_https(portal):
    client = portal("https://monitor.example")
    response = client.get("/page")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self' wss://monitor.example" in csp
    assert "upgrade-insecure-requests" in csp


def test_the_websocket_needs_the_portals_origin(portal):
    client = portal(CBS_MONITOR_ALLOWED_ORIGINS="https://beta.monitor.example")
    for origin in (
        "http://127.0.0.1:3000",
        "http://localhost:3000",
        "https://beta.monitor.example",
    ):
        with client.websocket_connect("/ws", headers={"origin": origin}) as ws:
            assert ws.receive_text() == "hallo"
    with client.websocket_connect("/ws") as ws:  # no Origin: not a browser page
        assert ws.receive_text() == "hallo"
    for origin in ("http://evil.example", "null", "http://127.0.0.1:3001"):
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect("/ws", headers={"origin": origin}),
        ):
            pass


def test_a_foreign_origin_cannot_post_but_may_read_nothing_more_than_before(portal):
    client = portal()
    refused = client.post("/data", headers={"origin": "http://evil.example"})
    assert refused.status_code == 403 and "niet van het portaal" in refused.text
    assert refused.headers["x-frame-options"] == "DENY"
    assert client.post("/data", headers={"origin": "http://127.0.0.1:3000"}).status_code == 200
    assert client.post("/data").status_code == 200
    assert client.get("/data", headers={"origin": "http://evil.example"}).status_code == 200
