"""The built-in test identity provider: a real OpenID provider for development and demos.

Built from authlib's server components (AuthorizationServer, the authorization-code grant with
PKCE and the OpenID Connect extension). Its "login" is a page in eHerkenning style where one
picks a test identity. It is served under /idp of the portal itself, signs ID tokens with an RSA
key generated on first start and kept in the data directory, and is never mounted in production.

Authorization codes are self-contained (signed, ten minutes) and single use within the process:
the embedded set-up runs one worker, which is where this provider lives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
from authlib.common.security import generate_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from authlib.oidc.core.models import AuthorizationCodeMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from cbs_monitor import db, routes
from cbs_monitor.auth.html import NO_STORE, esc
from cbs_monitor.auth.oidc_client import ProviderConfig
from cbs_monitor.models import Identity, Organisation, User, UserRole
from cbs_monitor.services import accounts
from cbs_monitor.services.demo_data import BUILTIN_ISSUER
from cbs_monitor.settings import Settings, get_settings

log = logging.getLogger(__name__)

PREFIX = "/idp"
DISCOVERY = f"{PREFIX}/.well-known/openid-configuration"
JWKS = f"{PREFIX}/jwks"
AUTHORIZE = f"{PREFIX}/authorize"
TOKEN = f"{PREFIX}/token"
CODE_MAX_AGE_SECONDS = 600
ID_TOKEN_SECONDS = 300
# Identities of this provider are linked under this stable alias, not under its URL.
ISSUER_ALIAS = BUILTIN_ISSUER


def issuer_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + PREFIX


def client_secret(settings: Settings) -> str:
    """The portal's client secret at this provider, derived from the portal's secret key."""
    key = settings.resolved_secret_key().encode()
    return hmac.new(key, b"builtin-idp-client-secret", hashlib.sha256).hexdigest()


# --- signing key ----------------------------------------------------------------------------

_key_lock = threading.Lock()
_keys: dict[Path, RSAKey] = {}


def signing_key(settings: Settings) -> RSAKey:
    """The provider's RSA key: generated on first start, kept (mode 600) in the data directory."""
    path = (settings.data_dir / "idp-signing-key.json").resolve()
    with _key_lock:
        if path in _keys:
            return _keys[path]
        settings.ensure_dirs()
        if not path.exists():
            key = RSAKey.generate_key(2048, private=True, auto_kid=True)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(key.as_dict(private=True), fh)
            os.replace(tmp, path)
        key = RSAKey.import_key(json.loads(path.read_text()))
        if not key.kid:
            key.ensure_kid()
        _keys[path] = key
        return key


def public_jwks(settings: Settings) -> dict:
    key = signing_key(settings)
    return dict(KeySet([key]).as_dict(private=False, use="sig", alg="RS256"))


# --- the test identities ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TestIdentity:
    employee_id: str
    organisation_identifier: str
    organisation_name: str = ""
    name: str = ""
    roles: str = ""
    first_login: bool = False  # not linked yet: the portal will ask for a verification code

    @property
    def key(self) -> str:
        return f"{self.organisation_identifier}|{self.employee_id}"


def test_identities() -> list[TestIdentity]:
    """Every active user of the portal, as an eHerkenning identity of their organisation."""
    with db.session() as s:
        orgs = {o.id: o for o in s.exec(select(Organisation))}
        roles: dict[int, list[str]] = defaultdict(list)
        for r in s.exec(select(UserRole)):
            roles[r.user_id].append(r.role.value)
        linked = set(s.exec(select(Identity.user_id).where(Identity.issuer == ISSUER_ALIAS)).all())
        found = []
        for user in s.exec(select(User).where(User.active.is_(True))):
            org = orgs.get(user.organisation_id)
            if org is None or user.employee_id.startswith(accounts.TECHNICAL_EMPLOYEE_PREFIX):
                continue  # an API client's technical user is no identity
            found.append(
                TestIdentity(
                    user.employee_id,
                    org.identifier,
                    org.name,
                    user.name,
                    ", ".join(sorted(roles[user.id])),
                    first_login=user.id not in linked,
                )
            )
    found.sort(key=lambda i: (i.organisation_name, i.name))
    return found


# --- authlib server components ---------------------------------------------------------------


class _Client(ClientMixin):
    """The portal as the one registered client of this provider."""

    def __init__(self, settings: Settings):
        self.client_id = settings.oidc_client_id
        self.client_secret = client_secret(settings)
        self.redirect_uri = settings.base_url.rstrip("/") + routes.AUTH_CALLBACK

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "openid").split() if s in {"openid", "profile"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret or "", self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint != "token" or method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclasses.dataclass
class _Code(AuthorizationCodeMixin):
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    user: dict

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, list[str]]):
        self._datalist = defaultdict(list, values)
        self._data = {k: v[0] for k, v in values.items() if v}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return self._datalist


class _Request(OAuth2Request):
    """An OAuth2Request from a Starlette request whose body was read beforehand (authlib is sync)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: dict,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ):
        # authlib's constructor refuses plain http on non-loopback hosts; this test provider
        # runs wherever the development portal runs, and never in production.
        self.method, self.uri, self.headers = method, uri, headers
        self._body = None
        merged = {**query, **form}
        self.payload = _Payload(merged)
        self._args = {k: v[0] for k, v in query.items() if v}
        self._form = {k: v[0] for k, v in form.items() if v}
        self.client = self.auth_method = self.user = None
        self.authorization_code = self.refresh_token = self.credential = None
        self._scope = None

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


async def _prepare(request: Request, *, drop: tuple[str, ...] = ()) -> _Request:
    query: dict[str, list[str]] = defaultdict(list)
    for k, v in request.query_params.multi_items():
        query[k].append(v)
    form: dict[str, list[str]] = defaultdict(list)
    if request.method == "POST":
        for k, value in (await request.form()).multi_items():
            if k not in drop and isinstance(value, str):
                form[k].append(value)
    return _Request(request.method, str(request.url), request.headers, dict(query), dict(form))


class _PKCERequired(CodeChallenge):
    """This provider insists on PKCE with S256, also for its confidential client."""

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)


class _Provider(AuthorizationServer):
    def __init__(self, settings: Settings):
        super().__init__(scopes_supported=["openid", "profile"])
        self.settings = settings
        self.issuer = issuer_url(settings)
        self.client = _Client(settings)
        self.codes = URLSafeTimedSerializer(settings.resolved_secret_key(), salt="builtin-idp-code")
        self._used_codes: dict[str, float] = {}
        self._used_lock = threading.Lock()
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda *a, **k: generate_token(42),
                expires_generator=ID_TOKEN_SECONDS,
            ),
        )
        provider = self

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def generate_authorization_code(self):
                req = self.request
                return provider.codes.dumps(
                    {
                        "jti": secrets.token_urlsafe(16),
                        "client_id": req.client.get_client_id(),
                        "redirect_uri": req.payload.redirect_uri
                        or req.client.get_default_redirect_uri(),
                        "scope": req.scope or "openid",
                        "nonce": req.payload.data.get("nonce"),
                        "code_challenge": req.payload.data.get("code_challenge"),
                        "code_challenge_method": req.payload.data.get("code_challenge_method"),
                        "auth_time": int(time.time()),
                        "user": req.user,
                    }
                )

            def save_authorization_code(self, code, request):
                return None  # self-contained

            def query_authorization_code(self, code, client):
                return provider.redeem_code(code, client)

            def delete_authorization_code(self, authorization_code):
                return None  # already spent in query_authorization_code

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return False  # the client checks its own nonce; codes are single use

            def resolve_client_private_key(self, client):
                return signing_key(provider.settings)

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": signing_key(provider.settings).kid, "typ": "JWT"}

            def get_client_claims(self, client):
                now = int(time.time())
                return {
                    "iss": provider.issuer,
                    "aud": [client.get_client_id()],
                    "iat": now,
                    "exp": now + ID_TOKEN_SECONDS,
                }

            def generate_user_info(self, user, scope):
                return UserInfo(user)

        self.register_grant(CodeGrant, [_PKCERequired(required=True), OpenID(require_nonce=True)])

    def redeem_code(self, code: str, client) -> _Code | None:
        try:
            data = self.codes.loads(code, max_age=CODE_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if data.get("client_id") != client.get_client_id():
            return None
        now = time.time()
        with self._used_lock:
            for jti, at in list(self._used_codes.items()):
                if now - at > CODE_MAX_AGE_SECONDS:
                    del self._used_codes[jti]
            if data["jti"] in self._used_codes:
                return None
            self._used_codes[data["jti"]] = now
        return _Code(
            **{
                k: data[k]
                for k in (
                    "client_id",
                    "redirect_uri",
                    "scope",
                    "nonce",
                    "code_challenge",
                    "code_challenge_method",
                    "auth_time",
                    "user",
                )
            }
        )

    def query_client(self, client_id):
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token, request):
        return None  # no userinfo endpoint: the ID token carries everything

    def send_signal(self, name, *args, **kwargs):
        return None

    def create_oauth2_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        headers = dict(headers or [])
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=headers)
        return Response(body or "", status_code=status, headers=headers)

    def claims_for(self, identity: TestIdentity) -> dict:
        claims = {
            "sub": identity.employee_id,
            self.settings.oidc_org_claim: identity.organisation_identifier,
        }
        if self.settings.oidc_employee_claim != "sub":
            claims[self.settings.oidc_employee_claim] = identity.employee_id
        if identity.name:
            claims["name"] = identity.name
        return claims

    def metadata(self) -> dict:
        base = self.settings.base_url.rstrip("/")
        return {
            "issuer": self.issuer,
            "authorization_endpoint": base + AUTHORIZE,
            "token_endpoint": base + TOKEN,
            "jwks_uri": base + JWKS,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "sub",
                "name",
                self.settings.oidc_org_claim,
                self.settings.oidc_employee_claim,
            ],
        }


_providers: dict[tuple, _Provider] = {}


def provider(settings: Settings | None = None) -> _Provider:
    settings = settings or get_settings()
    key = (settings.base_url, settings.data_dir, settings.oidc_client_id, settings.secret_key)
    if key not in _providers:
        _providers[key] = _Provider(settings)
    return _providers[key]


# --- routes -----------------------------------------------------------------------------------


async def discovery(request: Request) -> Response:
    return JSONResponse(provider().metadata())


async def jwks(request: Request) -> Response:
    return JSONResponse(public_jwks(get_settings()))


def _error_page(message: str, status: int = 400) -> HTMLResponse:
    return _chooser_frame(
        "Inloggen niet mogelijk", f'<p class="error" role="alert">{esc(message)}</p>', status
    )


async def authorize(request: Request) -> Response:
    server = provider()
    try:
        req = await _prepare(
            request, drop=("identity", "organisation_identifier", "employee_id", "cancel")
        )
        try:
            grant = server.get_consent_grant(req)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(req, error)
            return _error_page(f"Ongeldig inlogverzoek: {error.error}.")
        if request.method == "GET":
            return _chooser_page(req.payload.data)
        form = await request.form()
        if form.get("cancel"):
            return server.create_authorization_response(request=req, grant_user=None, grant=grant)
        identity = _chosen_identity(form)
        if identity is None:
            return _chooser_page(
                req.payload.data, error="Kies een testidentiteit, of vul beide velden in."
            )
        return server.create_authorization_response(
            request=req, grant_user=server.claims_for(identity), grant=grant
        )
    except Exception:  # a test provider too shows no stack trace
        log.exception("built-in identity provider: authorize failed")
        return _error_page("Er ging iets mis bij de testinlogdienst. Probeer het opnieuw.", 500)


def _chosen_identity(form) -> TestIdentity | None:
    choice = form.get("identity") or ""
    if choice and choice != "manual":
        for identity in test_identities():
            if identity.key == choice:
                return identity
        return None
    org = (form.get("organisation_identifier") or "").strip()
    employee = (form.get("employee_id") or "").strip()
    if org and employee:
        return TestIdentity(employee_id=employee, organisation_identifier=org)
    return None


async def token(request: Request) -> Response:
    server = provider()
    try:
        req = await _prepare(request)
        response = server.create_token_response(req)
        response.headers.update(NO_STORE)
        return response
    except Exception:
        log.exception("built-in identity provider: token failed")
        return JSONResponse({"error": "server_error"}, status_code=500)


def idp_routes() -> list[Route]:
    return [
        Route(DISCOVERY, discovery, methods=["GET"]),
        Route(JWKS, jwks, methods=["GET"]),
        Route(AUTHORIZE, authorize, methods=["GET", "POST"]),
        Route(TOKEN, token, methods=["POST"]),
    ]


def client_config(settings: Settings) -> ProviderConfig:
    """How the portal's OIDC client reaches this provider: in-process over ASGI (the portal has
    one worker and calling itself over the network would need a reachable base_url)."""
    return ProviderConfig(
        issuer=issuer_url(settings),
        client_id=settings.oidc_client_id,
        client_secret=client_secret(settings),
        redirect_uri=settings.base_url.rstrip("/") + routes.AUTH_CALLBACK,
        org_claim=settings.oidc_org_claim,
        employee_claim=settings.oidc_employee_claim,
        stored_issuer=ISSUER_ALIAS,
        transport=httpx.ASGITransport(app=Starlette(routes=idp_routes())),
    )


# --- the chooser page ("Kies een testidentiteit") ----------------------------------------------

_CSS = """
body { margin: 0; font-family: "Segoe UI", Roboto, Arial, sans-serif; background: #f6f4f8; color: #24202b; }
.test-banner { background: #ffb612; color: #1f1a00; text-align: center; font-weight: 700; padding: 0.5rem; }
header { background: white; border-bottom: 4px solid #a90061; }
header .inner { max-width: 980px; margin: 0 auto; padding: 0.9rem 1.5rem; display: flex; align-items: center;
  gap: 0.6rem; }
.logo { font-weight: 800; font-size: 1.4rem; color: #a90061; letter-spacing: -0.02em; }
.logo span { color: #4b2a6b; }
main { max-width: 980px; margin: 1.5rem auto; padding: 0 1.5rem; }
.card { background: white; border: 1px solid #ddd5e3; border-radius: 6px; padding: 1.25rem 1.5rem;
  margin-bottom: 1.25rem; }
h1 { color: #4b2a6b; margin: 0 0 0.5rem; font-size: 1.6rem; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; background: #f1ebf5; color: #4b2a6b; padding: 0.45rem 0.6rem; }
td { padding: 0.45rem 0.6rem; border-bottom: 1px solid #ece6f0; vertical-align: middle; }
button { background: #a90061; color: white; border: none; border-radius: 4px; padding: 0.45rem 0.9rem;
  font-weight: 600; cursor: pointer; }
button.secondary { background: white; color: #4b2a6b; border: 1px solid #4b2a6b; }
input[type=text] { padding: 0.4rem 0.5rem; border: 1px solid #9a8fa6; border-radius: 4px; width: 14rem; }
label { font-weight: 600; display: block; margin: 0.5rem 0 0.2rem; }
.error { border-left: 4px solid #d52b1e; background: #fdf0ef; padding: 0.6rem 0.9rem; }
.muted { color: #5d5566; font-size: 0.9rem; }
.hint { color: #7a3e00; font-size: 0.85rem; margin-top: 0.15rem; }
button:focus-visible, input:focus-visible { outline: 3px solid #ffb612; outline-offset: 2px; }
"""


def _chooser_frame(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | eHerkenning testomgeving</title><style>{_CSS}</style></head><body>
<div class="test-banner" role="note" id="testomgeving">TESTOMGEVING — dit is geen echte eHerkenning.
Alleen voor ontwikkeling en demonstratie.</div>
<header><div class="inner"><div class="logo">e<span>Herkenning</span></div>
<div class="muted">Ingebouwde testinlogdienst van het GGk portaal</div></div></header>
<main>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def _hidden(params: dict) -> str:
    return "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in params.items()
    )


def _chooser_page(params: dict, error: str = "") -> HTMLResponse:
    hidden = _hidden(params)
    rows = []
    for identity in test_identities():
        hint = ""
        if identity.first_login:
            hint = "Eerste inlog: het portaal vraagt een verificatiecode"
            if (identity.employee_id, identity.organisation_identifier) == (
                accounts.DEMO_CODE_EMPLOYEE_ID,
                accounts.DEMO_CODE_ORGANISATION,
            ):
                hint += f" (democode {accounts.DEMO_VERIFICATION_CODE})"
            hint = f"<div class='hint'>{esc(hint)}</div>"
        rows.append(
            f"<tr><td>{esc(identity.organisation_name)}<div class='muted'>{esc(identity.organisation_identifier)}"
            f"</div></td><td>{esc(identity.name)}<div class='muted'>{esc(identity.employee_id)}</div></td>"
            f"<td>{esc(identity.roles)}{hint}</td><td><form method='post' action='{AUTHORIZE}'>{hidden}"
            f"<input type='hidden' name='identity' value='{esc(identity.key)}'>"
            f"<button type='submit' id='kies-{esc(identity.employee_id)}' data-employee-id='{esc(identity.employee_id)}'"
            f" aria-label='Inloggen als {esc(identity.name)} ({esc(identity.organisation_name)})'>Inloggen</button>"
            f"</form></td></tr>"
        )
    error_html = f'<p class="error" role="alert">{esc(error)}</p>' if error else ""
    body = f"""
<div class="card"><h1>Kies een testidentiteit</h1>
<p class="muted">U logt in bij het GGk portaal. In deze testomgeving kiest u met welke identiteit (organisatie
en medewerker) u inlogt, in plaats van een echt eHerkenningsmiddel te gebruiken.</p>{error_html}
<table aria-label="Testidentiteiten"><thead><tr><th scope="col">Organisatie</th><th scope="col">Medewerker</th>
<th scope="col">Rol</th><th scope="col"><span class="muted">Actie</span></th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>
<div class="card"><h2>Andere identiteit</h2>
<p class="muted">Bijvoorbeeld om een eerste inlog met verificatiecode of een onbekende identiteit te proberen.</p>
<form method="post" action="{AUTHORIZE}">{hidden}<input type="hidden" name="identity" value="manual">
<label for="organisation_identifier">Organisatie (KvK-nummer of OIN)</label>
<input type="text" id="organisation_identifier" name="organisation_identifier" autocomplete="off">
<label for="employee_id">Medewerkernummer</label>
<input type="text" id="employee_id" name="employee_id" autocomplete="off">
<p><button type="submit" id="inloggen-andere">Inloggen</button></p></form></div>
<form method="post" action="{AUTHORIZE}">{hidden}<input type="hidden" name="cancel" value="1">
<button type="submit" class="secondary" id="annuleren">Annuleren</button></form>"""
    return _chooser_frame("Kies een testidentiteit", body)
