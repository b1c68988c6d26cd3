"""Small server-rendered pages of the login flow (verification code, errors) in the portal's look.

These pages live outside Reflex because they set HttpOnly cookies in the same response.
Every dynamic value goes through `esc`.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from cbs_monitor import routes
from cbs_monitor.palette import (
    BACKGROUND,
    BORDER,
    BORDER_STRONG,
    DANGER,
    DANGER_LIGHT,
    FOCUS,
    ON_PRIMARY_MUTED,
    PRIMARY,
    TEXT,
    TEXT_MUTED,
)

_BASE_CSS = f"""
body {{ margin: 0; background: {BACKGROUND}; color: {TEXT};
  font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }}
header {{ background: {PRIMARY}; color: white; }}
header .inner {{ max-width: 1280px; margin: 0 auto; padding: 0.75rem 1.5rem; display: flex; gap: 0.75rem;
  align-items: center; }}
header .brand {{ font-weight: 700; font-size: 1.15rem; }}
header .sub {{ font-size: 0.8rem; color: {ON_PRIMARY_MUTED}; }}
main {{ max-width: 640px; margin: 2rem auto; padding: 0 1.5rem; }}
.card {{ background: white; border: 1px solid {BORDER}; border-radius: 6px; padding: 1.25rem 1.5rem; }}
h1 {{ color: {PRIMARY}; font-size: 1.8rem; margin: 0 0 1rem; }}
label {{ display: block; font-weight: 600; margin-bottom: 0.35rem; }}
input[type=text] {{ font-size: 1.1rem; padding: 0.5rem 0.6rem; border: 1px solid {BORDER_STRONG}; border-radius: 4px;
  width: 16rem; letter-spacing: 0.08em; text-transform: uppercase; }}
button, .button {{ background: {PRIMARY}; color: white; border: none; border-radius: 4px; padding: 0.55rem 1.1rem;
  font-size: 1rem; font-weight: 600; cursor: pointer; text-decoration: none; display: inline-block; }}
.error {{ border-left: 4px solid {DANGER}; background: {DANGER_LIGHT}; padding: 0.6rem 0.9rem; margin: 0 0 1rem; }}
.muted {{ color: {TEXT_MUTED}; font-size: 0.92rem; }}
a:focus-visible, button:focus-visible, input:focus-visible {{ outline: 3px solid {FOCUS}; outline-offset: 2px; }}
"""


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def portal_page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    """A page in the portal's frame; `body` is trusted HTML built with `esc`."""
    html = f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | GGk portaal</title><style>{_BASE_CSS}</style></head>
<body><header><div class="inner"><img src="/logo.svg" alt="" width="36" height="36">
<div><div class="brand">GGk portaal</div><div class="sub">Stichting Inlichtingenbureau</div></div></div></header>
<main id="inhoud"><div class="card">{body}</div></main></body></html>"""
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def error_page(
    message: str, *, status: int = 400, title: str = "Inloggen niet gelukt"
) -> HTMLResponse:
    """A Dutch error page with the way back to the login page; never a stack trace."""
    body = (
        f'<h1>{esc(title)}</h1><p class="error" role="alert" id="foutmelding">{esc(message)}</p>'
        f'<p><a class="button" href="{routes.LOGIN}">Naar de inlogpagina</a></p>'
    )
    return portal_page(title, body, status=status)
