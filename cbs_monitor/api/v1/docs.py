"""A readable documentation page of /api/v1, rendered from the OpenAPI document on the server:
no scripts, nothing loaded from elsewhere."""

from __future__ import annotations

import html
from typing import Any

from cbs_monitor import palette

_STYLE = (
    f"body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    f"color:{palette.TEXT};background:{palette.BACKGROUND};line-height:1.5}}"
    f"h1,.method{{color:{palette.PRIMARY}}}"
    f"code,pre{{background:{palette.PRIMARY_LIGHT};padding:.1rem .3rem;border-radius:3px}}"
    f"section{{border-top:1px solid {palette.BORDER};padding:.5rem 0}}"
    ".method{display:inline-block;min-width:4rem;font-weight:700}"
    f"table{{border-collapse:collapse}}td,th{{border:1px solid {palette.BORDER};"
    "padding:.2rem .5rem;text-align:left}"
)


def _e(value: Any) -> str:
    return html.escape(str(value))


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    return "".join(f"<p>{_e(b)}</p>" for b in blocks)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    params = op.get("parameters", [])
    rows = "".join(
        f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td>"
        f"<td>{'ja' if p.get('required') else 'nee'}</td>"
        f"<td>{_e(p.get('description', ''))}</td></tr>"
        for p in params
    )
    body = op.get("requestBody", {}).get("content", {})
    scopes = [
        ", ".join(scope) or "geldig token"
        for req in op.get("security", [])
        for scope in req.values()
    ]
    responses = ", ".join(
        f"<code>{_e(code)}</code> {_e(r.get('description', ''))}"
        for code, r in op.get("responses", {}).items()
    )
    return (
        f"<section><h3><span class='method'>{_e(method.upper())}</span>"
        f"<code>{_e(path)}</code></h3><p>{_e(op.get('summary', ''))}</p>"
        + (f"<p>Body: {', '.join(f'<code>{_e(k)}</code>' for k in body)}</p>" if body else "")
        + (
            "<table><tr><th>parameter</th><th>waar</th><th>verplicht</th><th></th></tr>"
            f"{rows}</table>"
            if rows
            else ""
        )
        + (f"<p>Token met scope: {_e(', '.join(scopes))}</p>" if scopes else "")
        + f"<p>Antwoorden: {responses}</p></section>"
    )


def _access(openapi: dict[str, Any]) -> str:
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    items = []
    for scheme in schemes.values():
        flow = scheme.get("flows", {}).get("clientCredentials", {})
        scopes = "".join(
            f"<li><code>{_e(k)}</code>: {_e(v)}</li>" for k, v in flow.get("scopes", {}).items()
        )
        items.append(
            f"<p>{_e(scheme.get('description', ''))} Token: <code>POST "
            f"{_e(flow.get('tokenUrl', ''))}</code>, dan <code>Authorization: Bearer …</code>."
            f"</p><ul>{scopes}</ul>"
        )
    return "".join(items)


def render(openapi: dict[str, Any], prefix: str) -> str:
    info = openapi.get("info", {})
    sections = "".join(
        _operation(prefix + path, method, op)
        for path, methods in openapi.get("paths", {}).items()
        for method, op in methods.items()
    )
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        f"<title>{_e(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(info.get('title', ''))} <small>{_e(info.get('version', ''))}</small></h1>"
        f"{_paragraphs(info.get('description', ''))}"
        f"<p>Machineleesbaar: <a href='{prefix}/openapi.json'>OpenAPI 3.1</a> · "
        f"<a href='{prefix}/protocol'>aanleverprotocol (Frictionless Table Schema)</a></p>"
        f"<h2>Toegang</h2>{_access(openapi)}<h2>Endpoints</h2>{sections}</body></html>"
    )
