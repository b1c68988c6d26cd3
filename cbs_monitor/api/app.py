"""The Starlette app that Reflex mounts itself under (api_transformer): auth and download routes."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from cbs_monitor.api import downloads
from cbs_monitor.api.v1.app import PREFIX as API_V1
from cbs_monitor.api.v1.app import build_v1
from cbs_monitor.auth import routes as auth_routes
from cbs_monitor.services import health

# A check that hangs (a database that does not answer) is a failed check for the proxy.
HEALTH_TIMEOUT_SECONDS = 5.0


def _state_store_url() -> str:
    import reflex as rx

    return rx.config.get_config().redis_url or ""


async def _health(request: Request) -> JSONResponse:
    """200 when this node can serve, else 503: the proxy's health check routes around it."""
    try:
        view = await asyncio.wait_for(
            asyncio.to_thread(health.check, _state_store_url()), HEALTH_TIMEOUT_SECONDS
        )
    except TimeoutError:
        return JSONResponse({"status": "fail", "checks": {}}, status_code=503)
    body = {"status": "ok" if view.ok else "fail", "checks": view.checks}
    return JSONResponse(body, status_code=200 if view.ok else 503)


def collect_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", _health),
        *auth_routes.routes(),
        *downloads.routes(),
        Mount(API_V1, app=build_v1()),
    ]


def build_api() -> Starlette:
    return Starlette(routes=collect_routes())
