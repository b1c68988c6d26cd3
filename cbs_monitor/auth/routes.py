"""Starlette routes of the login: /auth/login, /auth/callback, /auth/logout, /verificatiecode
and, outside production, the built-in identity provider under /idp.

Mounted through Reflex's api_transformer (cbs_monitor.api.app). No handler holds a database
session across an await, and no error reaches the user as anything but a Dutch page.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cbs_monitor import clock, db
from cbs_monitor import routes as paths
from cbs_monitor.auth import builtin_idp, login
from cbs_monitor.auth.html import error_page, esc, portal_page
from cbs_monitor.auth.oidc_client import OIDCError
from cbs_monitor.services import permissions, sessions
from cbs_monitor.services.accounts import SERVICEDESK_CONTACT, codes, login_binding
from cbs_monitor.services.accounts.codes import VerificationOutcome
from cbs_monitor.settings import get_settings

log = logging.getLogger(__name__)

GENERIC_ERROR = (
    "Er ging iets mis bij het inloggen. Probeer het opnieuw. Blijft het misgaan? "
    + SERVICEDESK_CONTACT
)


def _redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        value=token, **sessions.cookie_attributes(login.secure_cookies(get_settings()))
    )


def _clear_cookie(response: Response, name: str, path: str = "/") -> None:
    secure = login.secure_cookies(get_settings())
    response.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="lax")


# --- /auth/login ----------------------------------------------------------------------------


async def auth_login(request: Request) -> Response:
    settings = get_settings()
    # The state cookie must come back to the host of the callback URL: start there.
    base = urlsplit(settings.base_url)
    if request.url.netloc != base.netloc:
        return _redirect(settings.base_url.rstrip("/") + paths.AUTH_LOGIN)
    oidc = login.client(settings)
    if oidc is None:
        return error_page(
            "Inloggen is op deze omgeving niet ingesteld. " + SERVICEDESK_CONTACT, status=503
        )
    try:
        peer = request.client.host if request.client else None
        client = login.client_address(peer, request.headers.get("x-forwarded-for"), settings)
        login.check_rate(client, settings)
    except login.TooManyLogins:
        log.info("login: rate limit of a client reached")
        return _too_many_logins()
    try:
        auth = await oidc.authorization_request()
    except Exception as exc:  # noqa: BLE001 — provider unreachable or misconfigured (OIDCError, httpx errors)
        log.warning("login: provider not available (%s)", type(exc).__name__)
        return error_page(
            "De inlogdienst (eHerkenning) is op dit moment niet bereikbaar. Probeer het later "
            "opnieuw.",
            status=503,
        )
    try:
        with db.session() as s:
            login.record_attempt(
                s, state=auth.state, nonce=auth.nonce, code_verifier=auth.code_verifier
            )
    except login.TooManyLogins:
        log.warning("login: the cap of open login attempts is reached")
        return _too_many_logins()
    response = _redirect(auth.url)
    response.set_cookie(
        login.STATE_COOKIE,
        auth.state,
        max_age=int(login.ATTEMPT_MAX_AGE.total_seconds()),
        path=paths.AUTH_CALLBACK,
        httponly=True,
        samesite="lax",
        secure=login.secure_cookies(settings),
    )
    return response


def _too_many_logins() -> Response:
    response = error_page(
        "Er wordt nu te vaak ingelogd vanaf uw adres. Wacht enkele minuten en probeer het opnieuw.",
        status=429,
    )
    response.headers["Retry-After"] = str(int(login.RATE_WINDOW.total_seconds()))
    return response


# --- /auth/callback -------------------------------------------------------------------------


async def auth_callback(request: Request) -> Response:
    try:
        return await _callback(request)
    except Exception:
        log.exception("login: callback failed")
        return error_page(GENERIC_ERROR, status=500)


async def _callback(request: Request) -> Response:
    settings = get_settings()
    params = request.query_params
    state = params.get("state") or ""
    cookie_state = request.cookies.get(login.STATE_COOKIE) or ""
    if params.get("error"):
        with db.session() as s:
            login.consume_attempt(s, state)
        response: Response = error_page("Het inloggen is afgebroken. U kunt het opnieuw proberen.")
        _clear_cookie(response, login.STATE_COOKIE, paths.AUTH_CALLBACK)
        return response
    # The state must be the one this browser started with (login CSRF), and unused (replay).
    if not state or not cookie_state or not hmac.compare_digest(state, cookie_state):
        log.info("login: state does not match this browser")
        return error_page("Deze inlogpoging is niet geldig of verlopen. Log opnieuw in.")
    with db.session() as s:
        attempt = login.consume_attempt(s, state)
        attempt_data = (attempt.nonce, attempt.code_verifier) if attempt else None
    if attempt_data is None:
        log.info("login: unknown, used or stale state")
        return error_page("Deze inlogpoging is niet geldig of verlopen. Log opnieuw in.")
    nonce, verifier = attempt_data
    code = params.get("code")
    oidc = login.client(settings)
    if not code or oidc is None:
        return error_page("Deze inlogpoging is niet geldig of verlopen. Log opnieuw in.")
    try:
        await oidc.check_response_issuer(params.get("iss"))
        identity = await oidc.complete(code=code, code_verifier=verifier, nonce=nonce)
    except OIDCError as exc:
        log.warning("login: refused (%s)", exc)
        return error_page("Uw inlog kon niet worden bevestigd. Log opnieuw in.")

    with db.session() as s:
        result = login_binding.resolve_login(
            s,
            issuer=identity.issuer,
            subject=identity.subject,
            organisation_identifier=identity.organisation_identifier,
        )
        if result.outcome == login_binding.LoginOutcome.needs_code:
            pending = login.create_pending(s, identity)
            response = _redirect(paths.VERIFICATION)
            response.set_cookie(
                login.PENDING_COOKIE,
                pending,
                path=paths.VERIFICATION,
                httponly=True,
                samesite="lax",
                secure=login.secure_cookies(settings),
                max_age=int(login.PENDING_MAX_AGE.total_seconds()),
            )
        elif result.outcome == login_binding.LoginOutcome.ok:
            response = _start_session(s, result.user_id)
        elif result.outcome == login_binding.LoginOutcome.inactive:
            response = error_page(
                "Uw account is niet (meer) actief. " + SERVICEDESK_CONTACT, status=403
            )
        else:
            response = error_page(
                "Uw eHerkenningsidentiteit hoort bij een andere organisatie dan uw account. "
                + SERVICEDESK_CONTACT,
                status=403,
            )
    _clear_cookie(response, login.STATE_COOKIE, paths.AUTH_CALLBACK)
    return response


def _start_session(s, user_id: int) -> Response:
    actor = permissions.load_actor(s, user_id)
    if actor is None:
        return error_page("Uw account is niet (meer) actief. " + SERVICEDESK_CONTACT, status=403)
    token = sessions.create_session(s, user_id)
    response = _redirect(login.landing_route(actor))
    _set_session_cookie(response, token)
    return response


# --- /auth/logout ---------------------------------------------------------------------------


async def auth_logout(request: Request) -> Response:
    """GET shows a confirmation form (a link from anywhere logs nobody out); POST logs out when the
    form's CSRF token belongs to the session (the Origin is checked before: api/origin_guard)."""
    try:
        return await _logout(request)
    except Exception:
        log.exception("logout: failed")
        return error_page(GENERIC_ERROR, status=500, title="Uitloggen niet gelukt")


def _logged_out() -> Response:
    response = _redirect(paths.LOGIN)
    _clear_cookie(response, sessions.COOKIE_NAME)
    return response


async def _logout(request: Request) -> Response:
    token = request.cookies.get(sessions.COOKIE_NAME)
    with db.session() as s:
        row = sessions.resolve_session(s, token, touch=False)
        session_id = row.id if row else None
    if session_id is None:
        return _logged_out()  # nothing to end: only the stale cookie goes
    if request.method == "GET":
        return _logout_form(sessions.logout_token(session_id))
    form = await request.form()
    if not sessions.logout_token_valid(session_id, str(form.get("csrf") or "")):
        log.info("logout: refused, the form token does not belong to the session")
        return _logout_form(
            sessions.logout_token(session_id),
            "Dit verzoek om uit te loggen kwam niet van het portaal. Wilt u uitloggen?",
            status=403,
        )
    with db.session() as s:
        sessions.end_session(s, token)
    return _logged_out()


def _logout_form(csrf: str, message: str = "", status: int = 200) -> Response:
    error = f'<p class="error" role="alert" id="foutmelding">{esc(message)}</p>' if message else ""
    body = f"""<h1>Uitloggen</h1>{error}
<form method="post" action="{paths.AUTH_LOGOUT}">
<input type="hidden" name="csrf" value="{esc(csrf)}">
<p><button type="submit" id="uitloggen">Uitloggen</button></p></form>
<p><a href="{paths.HOME}">Terug naar het portaal</a></p>"""
    response = portal_page("Uitloggen", body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- /verificatiecode -----------------------------------------------------------------------


def _verification_form(pending_token: str, message: str = "") -> Response:
    error = f'<p class="error" role="alert" id="foutmelding">{esc(message)}</p>' if message else ""
    body = f"""<h1>Verificatiecode</h1>
<p>U logt voor de eerste keer in. Vul de verificatiecode in die u van de Servicedesk heeft gekregen.
Daarmee koppelen wij uw eHerkenningsmiddel aan uw account.</p>{error}
<form method="post" action="{paths.VERIFICATION}" autocomplete="off">
<input type="hidden" name="csrf" value="{esc(login.csrf_token(pending_token))}">
<label for="code">Verificatiecode</label>
<p><input type="text" id="code" name="code" required maxlength="40" autocomplete="one-time-code"
 autocapitalize="characters" spellcheck="false" aria-describedby="code-hulp"></p>
<p class="muted" id="code-hulp">De code bestaat uit letters en cijfers, bijvoorbeeld ABCD-2345.</p>
<p><button type="submit" id="bevestigen">Bevestigen</button></p></form>
<p class="muted">Geen code, of werkt de code niet? {esc(SERVICEDESK_CONTACT)}</p>"""
    return portal_page("Verificatiecode", body)


def _verification_stop(message: str, status: int = 403) -> Response:
    body = (
        f'<h1>Verificatiecode</h1><p class="error" role="alert" id="foutmelding">{esc(message)}</p>'
        f'<p><a class="button" href="{paths.LOGIN}">Naar de inlogpagina</a></p>'
    )
    response = portal_page("Verificatiecode", body, status=status)
    _clear_cookie(response, login.PENDING_COOKIE, paths.VERIFICATION)
    return response


NO_PENDING = (
    "Er is geen inlogpoging die op een verificatiecode wacht, of deze is verlopen. Log opnieuw in."
)
MESSAGES = {
    VerificationOutcome.blocked: "Uw verificatiecode is geblokkeerd na te veel onjuiste pogingen. "
    + SERVICEDESK_CONTACT
    + " U krijgt dan een nieuwe code.",
    VerificationOutcome.expired: "Uw verificatiecode is verlopen. "
    + SERVICEDESK_CONTACT
    + " U krijgt dan een nieuwe code.",
    VerificationOutcome.no_code: "Er is voor u geen geldige verificatiecode uitgegeven. "
    + SERVICEDESK_CONTACT,
    VerificationOutcome.unknown_user: "Uw eHerkenningsidentiteit is niet bij ons bekend. "
    + SERVICEDESK_CONTACT,
}


async def verification(request: Request) -> Response:
    try:
        return await _verification(request)
    except Exception:
        log.exception("verification: failed")
        return error_page(GENERIC_ERROR, status=500)


async def _verification(request: Request) -> Response:
    pending_token = request.cookies.get(login.PENDING_COOKIE) or ""
    with db.session() as s:
        pending = login.pending_for(s, pending_token)
        if pending is None:
            return _verification_stop(NO_PENDING, status=400)
        if request.method == "GET":
            user = login_binding.find_preregistered_user(
                s, pending.organisation_identifier, pending.employee_id
            )
            if user is None or not user.active:
                return _verification_stop(MESSAGES[VerificationOutcome.unknown_user])
            status = codes.code_status(codes.current_code(s, user.id))
            if status == codes.CodeStatus.blocked:
                return _verification_stop(MESSAGES[VerificationOutcome.blocked])
            return _verification_form(pending_token)

    form = await request.form()
    csrf, code = str(form.get("csrf") or ""), str(form.get("code") or "")
    if not hmac.compare_digest(csrf, login.csrf_token(pending_token)):
        return _verification_stop("Dit formulier is niet geldig. Log opnieuw in.", status=400)
    if not codes.normalise_code(code):
        return _verification_form(pending_token, "Vul de verificatiecode in.")
    with db.session() as s:
        pending = login.pending_for(s, pending_token)
        if pending is None:
            return _verification_stop(NO_PENDING, status=400)
        result = codes.verify_code(
            s,
            issuer=pending.issuer,
            subject=pending.subject,
            organisation_identifier=pending.organisation_identifier,
            employee_id=pending.employee_id,
            code=code,
        )
        if result.outcome == VerificationOutcome.linked:
            pending.used_at = clock.now()
            s.add(pending)
            response = _start_session(s, result.user_id)
            _clear_cookie(response, login.PENDING_COOKIE, paths.VERIFICATION)
            return response
    if result.outcome == VerificationOutcome.wrong:
        tries = "poging" if result.attempts_left == 1 else "pogingen"
        return _verification_form(
            pending_token,
            f"De verificatiecode is onjuist. U heeft nog {result.attempts_left} {tries}.",
        )
    return _verification_stop(MESSAGES[result.outcome])


def routes() -> list[BaseRoute]:
    collected: list[BaseRoute] = [
        Route(paths.AUTH_LOGIN, auth_login, methods=["GET"]),
        Route(paths.AUTH_CALLBACK, auth_callback, methods=["GET"]),
        Route(paths.AUTH_LOGOUT, auth_logout, methods=["GET", "POST"]),
        Route(paths.VERIFICATION, verification, methods=["GET", "POST"]),
    ]
    if get_settings().builtin_idp_enabled:
        collected.extend(builtin_idp.idp_routes())
    return collected
