"""The login round trip's bookkeeping: which provider, login attempts, pending first logins, landing page."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from cbs_monitor import clock, routes
from cbs_monitor.auth import builtin_idp
from cbs_monitor.auth.oidc_client import AuthenticatedIdentity, OIDCClient, ProviderConfig
from cbs_monitor.models import LoginAttempt, PendingLink
from cbs_monitor.services.permissions import Action, Actor, can
from cbs_monitor.settings import Settings, get_settings

# A login at the provider must come back within this time.
ATTEMPT_MAX_AGE = dt.timedelta(minutes=10)
# Login starts per client are counted over this window (settings.login_rate_limit).
RATE_WINDOW = dt.timedelta(minutes=5)
# The first-login page stays usable this long after the provider confirmed the identity.
PENDING_MAX_AGE = dt.timedelta(minutes=30)

STATE_COOKIE = "cbs_monitor_login"
PENDING_COOKIE = "cbs_monitor_pending"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the provider ----------------------------------------------------------------------------

_clients: dict[tuple, OIDCClient] = {}
_clients_lock = threading.Lock()


def provider_config(settings: Settings) -> ProviderConfig | None:
    """An external issuer when configured, else the built-in provider (never in production)."""
    if settings.oidc_issuer:
        return ProviderConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            redirect_uri=callback_url(settings),
            org_claim=settings.oidc_org_claim,
            employee_claim=settings.oidc_employee_claim,
        )
    if settings.builtin_idp_enabled:
        return builtin_idp.client_config(settings)
    return None


def client(settings: Settings | None = None) -> OIDCClient | None:
    """The OIDC client for the configured provider (cached: it caches discovery and keys)."""
    settings = settings or get_settings()
    key = (
        settings.oidc_issuer,
        settings.builtin_idp_enabled,
        settings.base_url,
        settings.oidc_client_id,
        settings.oidc_client_secret,
        settings.oidc_org_claim,
        settings.oidc_employee_claim,
        str(settings.data_dir),
        settings.secret_key,
    )
    with _clients_lock:
        if key not in _clients:
            config = provider_config(settings)
            if config is None:
                return None
            _clients[key] = OIDCClient(config)
        return _clients[key]


def callback_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + routes.AUTH_CALLBACK


def secure_cookies(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


# --- login attempts (state, nonce, PKCE verifier) -----------------------------------------------


class TooManyLogins(Exception):
    """This client, or all clients together, started more logins than the portal takes now."""


class ClientRateLimit:
    """A sliding window of starts per client, in this process. The table of clients is bounded
    too (the oldest client is forgotten first), so a flood of addresses cannot grow it."""

    def __init__(self, window: dt.timedelta = RATE_WINDOW, max_clients: int = 50_000) -> None:
        self.window = window.total_seconds()
        self.max_clients = max_clients
        self._starts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            starts = self._starts.pop(client, None) or deque()
            while starts and now - starts[0] > self.window:
                starts.popleft()
            allowed = len(starts) < limit
            if allowed:
                starts.append(now)
            self._starts[client] = starts  # most recent last
            while len(self._starts) > self.max_clients:
                self._starts.popitem(last=False)
            return allowed

    def clear(self) -> None:
        with self._lock:
            self._starts.clear()


rate_limit = ClientRateLimit()


def client_address(peer: str | None, forwarded_for: str | None, settings: Settings) -> str:
    """The client a login is counted for: the peer, or behind `trusted_proxy_hops` proxies the
    address the outermost trusted one saw (X-Forwarded-For is appended to by each proxy)."""
    hops = settings.trusted_proxy_hops
    if hops and forwarded_for:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return peer or ""


def check_rate(client: str, settings: Settings) -> None:
    """TooManyLogins when this client started too many logins within the window."""
    if not rate_limit.allow(client, settings.login_rate_limit):
        raise TooManyLogins(client)


def record_attempt(
    db: Session, *, state: str, nonce: str, code_verifier: str, max_open: int | None = None
) -> None:
    """Store a login attempt. Expired and used attempts go first (one statement); when the open
    ones reach the cap, TooManyLogins instead of a new row."""
    now = clock.now()
    db.exec(
        delete(LoginAttempt).where(
            or_(
                col(LoginAttempt.created_at) < now - ATTEMPT_MAX_AGE,
                col(LoginAttempt.used_at).is_not(None),
            )
        )
    )
    cap = get_settings().login_attempts_max if max_open is None else max_open
    if db.exec(select(func.count()).select_from(LoginAttempt)).one() >= cap:
        raise TooManyLogins("all clients")
    db.add(LoginAttempt(state=state, nonce=nonce, code_verifier=code_verifier, created_at=now))
    db.flush()


def consume_attempt(db: Session, state: str | None) -> LoginAttempt | None:
    """The attempt for this state, once: a replayed or stale state gives None."""
    if not state:
        return None
    row = db.exec(select(LoginAttempt).where(LoginAttempt.state == state)).first()
    now = clock.now()
    if row is None or row.used_at is not None or now - row.created_at > ATTEMPT_MAX_AGE:
        return None
    row.used_at = now
    db.add(row)
    db.flush()
    return row


# --- pending first logins ------------------------------------------------------------------------


def create_pending(db: Session, identity: AuthenticatedIdentity) -> str:
    token = secrets.token_urlsafe(32)
    db.exec(delete(PendingLink).where(col(PendingLink.created_at) < clock.now() - PENDING_MAX_AGE))
    db.add(
        PendingLink(
            token_hash=_hash(token),
            issuer=identity.issuer,
            subject=identity.subject,
            organisation_identifier=identity.organisation_identifier,
            employee_id=identity.employee_id,
            created_at=clock.now(),
        )
    )
    db.flush()
    return token


def pending_for(db: Session, token: str | None) -> PendingLink | None:
    if not token:
        return None
    row = db.exec(select(PendingLink).where(PendingLink.token_hash == _hash(token))).first()
    if row is None or row.used_at is not None or clock.now() - row.created_at > PENDING_MAX_AGE:
        return None
    return row


def csrf_token(pending_token: str) -> str:
    """The form token of the verification page, bound to the pending login."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, b"verification-form:" + pending_token.encode(), hashlib.sha256).hexdigest()


# --- after login ---------------------------------------------------------------------------------


def landing_route(actor: Actor) -> str:
    """Municipal users and coordinators go home, CBS to its desk, the servicedesk to /beheer."""
    if actor.is_municipal:
        return routes.HOME
    if can(actor, Action.review):
        return routes.CBS_DESK
    if can(actor, Action.administer):
        return routes.SERVICEDESK
    return routes.HOME
