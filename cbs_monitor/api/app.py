"""The Starlette app that Reflex mounts itself under (api_transformer): auth and download routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from cbs_monitor.api import downloads
from cbs_monitor.api.v1.app import PREFIX as API_V1
from cbs_monitor.api.v1.app import build_v1
from cbs_monitor.auth import routes as auth_routes


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def collect_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", _health),
        *auth_routes.routes(),
        *downloads.routes(),
        Mount(API_V1, app=build_v1()),
    ]


def build_api() -> Starlette:
    return Starlette(routes=collect_routes())
