"""Reflex configuration: app name, database and allowed origins from the portal settings, telemetry off."""

import os

import reflex as rx
from reflex_base.constants import StateManagerMode
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from cbs_monitor.server_workers import respawn_failed_workers
from cbs_monitor.settings import get_settings

settings = get_settings()
respawn_failed_workers()  # a granian worker that dies is replaced, not the end of the node

config = rx.Config(
    app_name="cbs_monitor",
    db_url=settings.db_url,
    # Several nodes share the tabs' states in Redis (REFLEX_REDIS_URL, deploy/README.md). Without
    # it the portal is one process and keeps them in its memory: Reflex's default disk store is
    # wiped at every start anyway, and rescans its whole folder after each write (a fifth of the
    # embedded portal's CPU in the rush, bench/README.md).
    state_manager_mode=(
        StateManagerMode.REDIS if os.environ.get("REFLEX_REDIS_URL") else StateManagerMode.MEMORY
    ),
    # Reflex's default "*" grants every origin the user's cookie, for HTTP (Starlette's CORS) and
    # the websocket (python-socketio checks the handshake's Origin against the same list).
    cors_allowed_origins=settings.origins,
    trusted_proxy_hops=settings.trusted_proxy_hops,
    # The security headers hash the built pages' inline scripts; they read gzip, nothing else.
    frontend_compression_formats=["gzip"],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
    plugins=[RadixThemesPlugin(theme=rx.theme(accent_color="blue", radius="medium"))],
)
