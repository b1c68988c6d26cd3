"""OAuth 2.0 client credentials with authlib's authorization-server parts: the token endpoint
(HTTP Basic client authentication) and the bearer-token check of every other endpoint."""

from __future__ import annotations

from collections.abc import Mapping

from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from sqlmodel import Session

from cbs_monitor.services import api_clients
from cbs_monitor.services.api_clients import ApiCaller, ClientView
from cbs_monitor.settings import get_settings

# Dutch `detail` beside the standard OAuth error code (RFC 6749 §5.2 / RFC 6750 §3.1).
DUTCH_ERRORS = {
    "invalid_client": "De client is onbekend, ingetrokken, of het geheim klopt niet. Gebruik HTTP "
    "Basic-authenticatie met client_id en client_secret.",
    "invalid_request": "Het verzoek is onvolledig of ongeldig.",
    "unsupported_grant_type": "Alleen grant_type=client_credentials wordt ondersteund.",
    "invalid_scope": "Onbekende scope. Mogelijk: " + ", ".join(api_clients.SCOPES) + ".",
    "unauthorized_client": "Deze client mag geen token met client credentials aanvragen.",
    "insecure_transport": "Het token kan alleen via https worden aangevraagd.",
    "invalid_token": "Het token is onbekend, verlopen of ingetrokken. Vraag een nieuw token aan.",
    "missing_authorization": "Stuur een bearer-token mee (Authorization: Bearer …).",
    "unsupported_token_type": "Stuur een bearer-token mee (Authorization: Bearer …).",
}


def dutch(error: str) -> str:
    return DUTCH_ERRORS.get(error, "Niet toegestaan.")


class _Client(ClientMixin):
    """The authlib view of an API client: confidential, client_secret_basic, one grant type."""

    def __init__(self, db: Session, view: ClientView) -> None:
        self.db, self.view = db, view

    def get_client_id(self) -> str:
        return self.view.client_id

    def get_allowed_scope(self, scope):
        return api_clients.allowed_scope(scope)

    def check_client_secret(self, client_secret: str) -> bool:
        return api_clients.secret_matches(self.db, self.view.client_id, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class _Payload(OAuth2Payload):
    def __init__(self, form: Mapping[str, str]) -> None:
        self._data = dict(form)

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return {key: [value] for key, value in self._data.items()}


class _Request(OAuth2Request):
    def __init__(self, uri: str, headers: Mapping[str, str], form: Mapping[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)  # case-insensitive as given
        self.payload = _Payload(form)

    @property
    def args(self):
        return {}

    @property
    def form(self):
        return self.payload.data


class _Grant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]


class _Server(AuthorizationServer):
    """One per token request, bound to that request's database session."""

    def __init__(self, db: Session) -> None:
        super().__init__(scopes_supported=list(api_clients.SCOPES))
        self.db = db
        self.register_grant(_Grant)
        self.register_token_generator("default", self._generate)

    def query_client(self, client_id):
        view = api_clients.find_client(self.db, client_id)
        return _Client(self.db, view) if view else None

    def _generate(self, grant_type, client, user=None, scope=None, expires_in=None, **_):
        granted = api_clients.allowed_scope(scope)
        if granted is None:
            raise InvalidScopeError()
        token, seconds = api_clients.issue_token(self.db, client.view, granted)
        return {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": seconds,
            "scope": granted,
        }

    def save_token(self, token, request):
        pass  # issue_token stored its hash already; the plain token is never stored

    def send_signal(self, name, *args, **kwargs):
        pass

    def create_oauth2_request(self, request):
        return request

    def create_json_request(self, request):
        return request

    def validate_requested_scope(self, scope):
        if api_clients.allowed_scope(scope) is None:
            raise InvalidScopeError()

    def handle_response(self, status, body, headers):
        if isinstance(body, dict) and "error" in body:
            body = {**body, "detail": dutch(body["error"])}
            body.pop("error_description", None)  # English and about our internals
        return status, body, dict(headers)


def token_url() -> str:
    return get_settings().base_url.rstrip("/") + "/api/v1/token"


def issue_token(
    db: Session, headers: Mapping[str, str], form: Mapping[str, str]
) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a token request. The URI authlib checks for https is the
    portal's public address, not the one the request came in on behind a proxy."""
    try:
        request = _Request(token_url(), headers, form)
    except OAuth2Error as error:
        status, body, out = error()
        return status, {**dict(body), "detail": dutch(error.error)}, dict(out)
    return _Server(db).create_token_response(request)


# --- the bearer token on every other endpoint ---------------------------------------------


class _Token(TokenMixin):
    def __init__(self, caller: ApiCaller | None) -> None:
        self.caller = caller

    def check_client(self, client):
        return True

    def get_scope(self):
        return " ".join(sorted(self.caller.scopes)) if self.caller else ""

    def get_expires_in(self):
        return 0

    def is_expired(self):
        return False  # resolve_token gives no caller for an expired token

    def is_revoked(self):
        return self.caller is None


class _Validator(BearerTokenValidator):
    def __init__(self, db: Session) -> None:
        super().__init__(realm="cbs-monitor")
        self.db = db

    def authenticate_token(self, token_string):
        caller = api_clients.resolve_token(self.db, token_string)
        return _Token(caller) if caller else None


class _HeaderRequest:
    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = headers


class BearerRefused(Exception):
    def __init__(self, error: str, status: int, headers: dict[str, str]) -> None:
        super().__init__(error)
        self.error, self.status, self.headers = error, status, headers


def authenticate(db: Session, headers: Mapping[str, str]) -> ApiCaller:
    """The caller behind the request's bearer token (cookies play no part); BearerRefused."""
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(db))
    try:
        token = protector.validate_request(None, _HeaderRequest(headers))
    except OAuth2Error as error:
        _, _, out = error()
        return_headers = {k: v for k, v in out if k.lower() == "www-authenticate"}
        return_headers.setdefault("WWW-Authenticate", 'Bearer realm="cbs-monitor"')
        raise BearerRefused(error.error or "invalid_token", 401, return_headers) from None
    assert token.caller is not None
    return token.caller
