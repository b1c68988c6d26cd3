"""Reflex configuration: app name, database from the portal settings, telemetry off."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from cbs_monitor.settings import get_settings

config = rx.Config(
    app_name="cbs_monitor",
    db_url=get_settings().db_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
    plugins=[RadixThemesPlugin(theme=rx.theme(accent_color="blue", radius="medium"))],
)
