"""The Reflex app: pages, API routes and lifespan tasks. Nothing else lives here."""

import reflex as rx

from cbs_monitor.api.app import build_api
from cbs_monitor.api.upload_guard import UploadGuard
from cbs_monitor.scheduler import lifespan as scheduler_lifespan
from cbs_monitor.ui import theme
from cbs_monitor.ui.errors import backend_exception_handler
from cbs_monitor.ui.registry import register_all

app = rx.App(
    api_transformer=[build_api(), UploadGuard],
    stylesheets=theme.stylesheets,
    backend_exception_handler=backend_exception_handler,
)
register_all(app)
app.register_lifespan_task(scheduler_lifespan)
