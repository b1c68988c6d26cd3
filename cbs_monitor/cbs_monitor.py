"""The Reflex app: pages, API routes and lifespan tasks. Nothing else lives here."""

import os

import reflex as rx

from cbs_monitor import worker
from cbs_monitor.api.app import build_api
from cbs_monitor.api.origin_guard import OriginGuard
from cbs_monitor.api.security_headers import SecurityHeaders
from cbs_monitor.api.upload_guard import UploadGuard
from cbs_monitor.scheduler import lifespan as scheduler_lifespan
from cbs_monitor.ui import theme
from cbs_monitor.ui.errors import backend_exception_handler
from cbs_monitor.ui.registry import register_all
from cbs_monitor.ui.session_guard import SessionBinding, UploadIdentity, install_header_redaction

# Whatever this process writes (the SQLite file, private files, generated keys)
# is for this user only.
os.umask(0o077)
install_header_redaction()


class PortalApp(rx.App):
    """rx.App whose ASGI app is wrapped whole: the origin check and the security headers also
    cover what Reflex answers itself (its CORS preflights, its error pages, the built frontend)."""

    def __call__(self):
        return SecurityHeaders(OriginGuard(super().__call__()))


app = PortalApp(
    api_transformer=[build_api(), UploadGuard, UploadIdentity],
    stylesheets=theme.stylesheets,
    backend_exception_handler=backend_exception_handler,
)
# Before Reflex's own hydrate middleware: a reconnecting tab of an ended session gets empty states.
app.add_middleware(SessionBinding(), index=0)
register_all(app)
app.register_lifespan_task(scheduler_lifespan)
app.register_lifespan_task(worker.lifespan)
