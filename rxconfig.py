"""Reflex configuration: app name, database and allowed origins from the portal settings, telemetry off."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from cbs_monitor.server_workers import respawn_failed_workers
from cbs_monitor.settings import get_settings

settings = get_settings()
respawn_failed_workers()  # a granian worker that dies is replaced, not the end of the node

config = rx.Config(
    app_name="cbs_monitor",
    db_url=settings.db_url,
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
