"""Machine credentials of software suppliers: client secrets and bearer tokens, hashed at rest,
and the actor a client acts as (the municipalities that authorised its supplier)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete
from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import (
    ApiClient,
    ApiToken,
    Municipality,
    Organisation,
    OrganisationKind,
    SupplierAuthorisation,
    User,
)
from cbs_monitor.services.permissions import Actor
from cbs_monitor.settings import get_settings

# What a token may be used for. A client gets both unless it asks for less.
SCOPE_DELIVER = "aanleveren"
SCOPE_READ = "rapporten"
SCOPES = {
    SCOPE_DELIVER: "bestanden aanleveren",
    SCOPE_READ: "status en rapporten van aanleveringen ophalen",
}
DEFAULT_SCOPE = f"{SCOPE_DELIVER} {SCOPE_READ}"
CLIENT_ID_PREFIX = "cbsm-"


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret or token (256 random bits): a copied database gives
    nothing to guess, and the hash does not change when the portal's signing key does."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclasses.dataclass(frozen=True)
class ClientView:
    """A client as the token endpoint sees it (never the secret hash outside this module)."""

    id: int
    client_id: str
    name: str
    organisation_id: int
    organisation_name: str


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=clock.UTC)


def _live_client(db: Session, client_id: str) -> tuple[ApiClient, Organisation] | None:
    client = db.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()
    if client is None or client.revoked_at is not None:
        return None
    org = db.get(Organisation, client.organisation_id)
    if org is None or org.kind != OrganisationKind.supplier:
        return None
    return client, org


def find_client(db: Session, client_id: str) -> ClientView | None:
    """A client that may ask for tokens (registered, not revoked)."""
    found = _live_client(db, client_id or "")
    if found is None:
        return None
    client, org = found
    assert client.id is not None and org.id is not None
    return ClientView(client.id, client.client_id, client.name, org.id, org.name)


def secret_matches(db: Session, client_id: str, secret: str) -> bool:
    found = _live_client(db, client_id or "")
    if found is None or not secret:
        return False
    return hmac.compare_digest(found[0].secret_hash, hash_secret(secret))


def issue_token(db: Session, client: ClientView, scope: str) -> tuple[str, int]:
    """A fresh bearer token for the client (only its hash is stored); (token, seconds valid)."""
    seconds = get_settings().api_token_seconds
    token = secrets.token_urlsafe(32)
    now = clock.now()
    # Tokens that ended a day ago are of no use to anyone: the table stays small without a job.
    db.execute(
        delete(ApiToken).where(
            col(ApiToken.api_client_id) == client.id,
            col(ApiToken.expires_at) < now - dt.timedelta(days=1),
        )
    )
    db.add(
        ApiToken(
            token_hash=hash_secret(token),
            api_client_id=client.id,
            scope=scope,
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=seconds),
        )
    )
    db.flush()
    return token, seconds


def allowed_scope(requested: str | None) -> str | None:
    """The scope a token gets: what was asked if every part is known, both when nothing was
    asked; None for an unknown scope."""
    if not requested or not requested.strip():
        return DEFAULT_SCOPE
    parts = requested.split()
    if any(part not in SCOPES for part in parts):
        return None
    return " ".join(sorted(set(parts), key=list(SCOPES).index))


@dataclasses.dataclass(frozen=True)
class ApiCaller:
    """Who is behind a valid bearer token: the supplier's actor, its client and the scopes."""

    actor: Actor
    client_pk: int
    client_id: str
    scopes: frozenset[str]


def authorised_codes(db: Session, organisation_id: int) -> list[str]:
    """Municipalities that authorised this supplier (and did not revoke it)."""
    return sorted(
        db.exec(
            select(SupplierAuthorisation.municipality_code).where(
                SupplierAuthorisation.organisation_id == organisation_id,
                col(SupplierAuthorisation.revoked_at).is_(None),
            )
        ).all()
    )


def supplier_actor(db: Session, client: ApiClient) -> Actor | None:
    """The actor a client acts as: its technical user in the supplier organisation, for the
    municipalities that authorised the supplier now (read on every request: a revocation counts
    at once)."""
    org = db.get(Organisation, client.organisation_id)
    user = db.get(User, client.user_id)
    if org is None or org.id is None or user is None or user.id is None or not user.active:
        return None
    codes = authorised_codes(db, org.id)
    names = dict(
        db.exec(
            select(Municipality.code, Municipality.name).where(col(Municipality.code).in_(codes))
        ).all()
    )
    return Actor(
        user_id=user.id,
        name=user.name,
        email=user.email,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=org.kind,
        roles=frozenset(),
        municipality_codes=tuple(codes),
        municipality_names=names,
        delegated_codes=frozenset(),
    )


def resolve_token(db: Session, token: str) -> ApiCaller | None:
    """The caller behind a bearer token; None when it is unknown, expired or revoked, or its
    client was revoked."""
    if not token:
        return None
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == hash_secret(token))).first()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= clock.now():
        return None
    client = db.get(ApiClient, row.api_client_id)
    if client is None or client.revoked_at is not None:
        return None
    actor = supplier_actor(db, client)
    if actor is None or not actor.is_supplier:
        return None
    assert client.id is not None
    return ApiCaller(actor, client.id, client.client_id, frozenset(row.scope.split()))


def revoke_tokens(db: Session, api_client_id: int) -> int:
    """End every live token of a client (rotation and revocation)."""
    now = clock.now()
    rows = db.exec(
        select(ApiToken).where(
            ApiToken.api_client_id == api_client_id, col(ApiToken.revoked_at).is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = now
        db.add(row)
    db.flush()
    return len(rows)
