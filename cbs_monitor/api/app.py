"""The Starlette app that Reflex mounts itself under (api_transformer): auth and download routes."""

from __future__ import annotations

import importlib

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

# Modules that contribute routes through a routes() function.
_ROUTE_MODULES = ("cbs_monitor.auth.routes", "cbs_monitor.api.downloads")


async def _health(request):
    return JSONResponse({"status": "ok"})


def collect_routes() -> list[BaseRoute]:
    collected: list[BaseRoute] = [Route("/healthz", _health)]
    for name in _ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        collected.extend(module.routes())
    return collected


def build_api() -> Starlette:
    return Starlette(routes=collect_routes())
