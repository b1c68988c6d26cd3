"""GET /download/{token}: redeem a single-use grant for the logged-in user and send the .xlsx."""

from __future__ import annotations

import logging
import unicodedata
import urllib.parse

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cbs_monitor import db
from cbs_monitor import routes as portal_routes
from cbs_monitor.services import downloads, permissions, report_files, sessions

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str) -> str:
    """RFC 6266 with RFC 5987: `filename*` carries the name in UTF-8 (what browsers use), and
    `filename` an ASCII stand-in for old clients, quotes and backslashes escaped, no controls."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if " " <= c <= "~" else "_" for c in ascii_name).strip() or "download"
    ascii_name = ascii_name.replace("\\", "\\\\").replace('"', '\\"')
    encoded = urllib.parse.quote(filename, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def download(request: Request) -> Response:
    """A plain (sync) endpoint: Starlette runs it in its thread pool, so building a large .xlsx
    never holds up the event loop that serves every user's events.

    The link is spent in the same transaction that builds the answer: whatever fails before the
    response is complete rolls it back, and the user can click the green arrow again."""
    token = request.path_params["token"]
    try:
        with db.session() as s:
            row = sessions.resolve_session(s, request.cookies.get(sessions.COOKIE_NAME))
            actor = permissions.load_actor(s, row.user_id) if row else None
            grant = downloads.redeem(s, token, actor.user_id if actor else None)
            if grant is None:
                return PlainTextResponse(
                    "Deze downloadlink is verlopen of al gebruikt. Klik opnieuw op de groene pijl.",
                    status_code=410,
                )
            filename, data = report_files.build(s, actor, grant)
            return Response(
                data,
                media_type=XLSX,
                headers={
                    "Content-Disposition": content_disposition(filename),
                    "Cache-Control": "no-store",
                },
            )
    except report_files.NotAllowed:
        return PlainTextResponse("U heeft geen toegang tot dit bestand.", status_code=403)
    except Exception:  # never a stack trace to the user; the log has it (no BSN in reports)
        log.exception("download failed")
        return PlainTextResponse(
            "Het bestand kon niet worden gemaakt. Probeer het later opnieuw.", status_code=500
        )


def routes() -> list[Route]:
    return [Route(portal_routes.DOWNLOAD + "/{token}", download, methods=["GET"])]
