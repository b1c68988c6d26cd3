"""The OpenID Connect client (authlib): discovery, Authorization Code + PKCE, ID-token validation.

One generic client for every provider: an eHerkenning broker at an external URL, the built-in
test provider, or any other OIDC provider. Only where it reaches the provider differs: the
built-in provider is called in-process through an ASGI transport (see `builtin_idp`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

with warnings.catch_warnings():
    # authlib 1.9 warns that its httpx integration will move to "httpx2"; httpx 0.28 is pinned.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = logging.getLogger(__name__)

# Asymmetric signatures only: "none" and HMAC (keyed with the client secret) are refused.
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
# Discovery and keys are re-read at most this often (a provider rotates keys now and then).
METADATA_TTL_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 60
HTTP_TIMEOUT_SECONDS = 10.0


class OIDCError(Exception):
    """The login could not be completed; the text is for the log, never for the user."""


@dataclasses.dataclass(frozen=True)
class ProviderConfig:
    issuer: str  # exactly as the provider names itself; discovery lives under it
    client_id: str
    client_secret: str
    redirect_uri: str
    org_claim: str  # the claim with the organisation identifier (eHerkenning LegalSubjectID)
    employee_claim: str  # the claim with the employee id
    # The issuer under which identities are linked; differs from `issuer` for the built-in
    # provider, whose URL changes with the port while its identities stay the same.
    stored_issuer: str = ""
    scope: str = "openid"
    transport: httpx.AsyncBaseTransport | None = dataclasses.field(default=None, compare=False)

    @property
    def identity_issuer(self) -> str:
        return self.stored_issuer or self.issuer


@dataclasses.dataclass(frozen=True)
class AuthenticatedIdentity:
    """Who the provider says logged in, in the terms the portal links accounts by."""

    issuer: str  # the stored issuer (alias)
    subject: str
    organisation_identifier: str
    employee_id: str
    name: str = ""


@dataclasses.dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


class OIDCClient:
    def __init__(self, config: ProviderConfig):
        self.config = config
        self._metadata: dict | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0

    def _http_kwargs(self) -> dict:
        kwargs: dict = {"timeout": HTTP_TIMEOUT_SECONDS, "follow_redirects": False}
        if self.config.transport is not None:
            kwargs["transport"] = self.config.transport
        return kwargs

    def _http(self) -> httpx.AsyncClient:
        """For the public documents: discovery and keys."""
        return httpx.AsyncClient(**self._http_kwargs())

    def _oauth(self) -> AsyncOAuth2Client:
        """For the token request: authlib adds PKCE's verifier and the client authentication."""
        cfg = self.config
        return AsyncOAuth2Client(
            client_id=cfg.client_id,
            client_secret=cfg.client_secret or None,
            token_endpoint_auth_method=self._auth_method_hint(),
            redirect_uri=cfg.redirect_uri,
            code_challenge_method="S256",
            **self._http_kwargs(),
        )

    def _auth_method_hint(self) -> str:
        if not self.config.client_secret:
            return "none"
        supported = (self._metadata or {}).get("token_endpoint_auth_methods_supported") or [
            "client_secret_basic"
        ]
        return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"

    # --- discovery ------------------------------------------------------------------------

    async def metadata(self, *, refresh: bool = False) -> dict:
        # No lock: two concurrent first logins may both fetch, and both get the same document.
        fresh = time.monotonic() - self._metadata_at < METADATA_TTL_SECONDS
        if self._metadata is None or refresh or not fresh:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with self._http() as http:
                response = await http.get(url)
            if response.status_code != 200:
                raise OIDCError(f"discovery returned HTTP {response.status_code}")
            data = response.json()
            # OpenID Connect Discovery 1.0 §4.3: the issuer must be the one we asked.
            if data.get("issuer") != self.config.issuer:
                raise OIDCError("discovery document names another issuer")
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not data.get(key):
                    raise OIDCError(f"discovery document lacks {key}")
            self._metadata, self._metadata_at = data, time.monotonic()
        return self._metadata

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        meta = await self.metadata()
        fresh = time.monotonic() - self._keys_at < METADATA_TTL_SECONDS
        if self._keys is None or refresh or not fresh:
            async with self._http() as http:
                response = await http.get(meta["jwks_uri"])
            if response.status_code != 200:
                raise OIDCError(f"jwks returned HTTP {response.status_code}")
            self._keys = KeySet.import_key_set(response.json())
            self._keys_at = time.monotonic()
        return self._keys

    # --- the authorization request ----------------------------------------------------------

    async def authorization_request(self) -> AuthorizationRequest:
        """A fresh state, nonce and PKCE verifier, and the URL that sends the browser to the provider."""
        from authlib.common.security import generate_token

        meta = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.config.redirect_uri,
            "scope": self.config.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        endpoint = meta["authorization_endpoint"]
        separator = "&" if "?" in endpoint else "?"
        return AuthorizationRequest(
            endpoint + separator + urlencode(params), state, nonce, verifier
        )

    async def check_response_issuer(self, iss: str | None) -> None:
        """RFC 9207: when the provider names itself in the response, it must be our provider."""
        if iss is not None and iss != (await self.metadata())["issuer"]:
            raise OIDCError("authorization response from another issuer")

    # --- the token request and the ID token -------------------------------------------------

    async def exchange_code(self, code: str, code_verifier: str) -> dict:
        meta = await self.metadata()
        async with self._oauth() as http:
            try:
                token = await http.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    redirect_uri=self.config.redirect_uri,
                )
            except Exception as exc:  # authlib raises OAuthError, httpx its own: all mean "refused"
                raise OIDCError(
                    f"token request failed: {type(exc).__name__} {getattr(exc, 'error', '')}"
                ) from exc
        if not isinstance(token, dict) or not token.get("id_token"):
            raise OIDCError("token response without id_token")
        return dict(token)

    async def validate_id_token(
        self, id_token: str, *, nonce: str, access_token: str | None = None
    ) -> dict:
        """Signature against the provider's JWKS; issuer, audience, expiry, issued-at and nonce."""
        meta = await self.metadata()
        algorithms = [
            a
            for a in meta.get("id_token_signing_alg_values_supported", ["RS256"])
            if a in ALLOWED_ALGORITHMS
        ] or ["RS256"]
        keys = await self._key_set()
        try:
            decoded = jwt.decode(id_token, keys, algorithms=algorithms)
        except JoseError:
            # An unknown key id may mean the provider rotated its keys: read them once more.
            keys = await self._key_set(refresh=True)
            try:
                decoded = jwt.decode(id_token, keys, algorithms=algorithms)
            except JoseError as exc:
                raise OIDCError(f"id_token signature refused: {type(exc).__name__}") from exc
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": meta["issuer"]},
                "aud": {"essential": True, "value": self.config.client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            },
            params={
                "nonce": nonce,
                "client_id": self.config.client_id,
                "access_token": access_token,
            },
        )
        try:
            claims.validate(now=int(time.time()), leeway=CLOCK_LEEWAY_SECONDS)
        except JoseError as exc:
            raise OIDCError(
                f"id_token claims refused: {type(exc).__name__} {getattr(exc, 'claim', '')}"
            ) from exc
        # Belt and braces: the nonce binds this token to the login attempt of this browser.
        if claims.get("nonce") != nonce:
            raise OIDCError("id_token nonce mismatch")
        return dict(claims)

    def identity_from_claims(self, claims: dict) -> AuthenticatedIdentity:
        org = claims.get(self.config.org_claim)
        employee = claims.get(self.config.employee_claim)
        if not isinstance(org, str) or not org or not isinstance(employee, str) or not employee:
            raise OIDCError("id_token lacks the organisation or employee claim")
        name = claims["name"] if isinstance(claims.get("name"), str) else ""
        return AuthenticatedIdentity(
            issuer=self.config.identity_issuer,
            subject=claims["sub"],
            organisation_identifier=org,
            employee_id=employee,
            name=name,
        )

    async def complete(self, *, code: str, code_verifier: str, nonce: str) -> AuthenticatedIdentity:
        """Code → tokens → validated ID token → who logged in."""
        token = await self.exchange_code(code, code_verifier)
        claims = await self.validate_id_token(
            token["id_token"], nonce=nonce, access_token=token.get("access_token")
        )
        return self.identity_from_claims(claims)
