"""Software suppliers: their API clients on /beheer (servicedesk) and, per municipality, whether
a supplier may deliver for it (the Koppelingen tab, the productbeheerder)."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

from cbs_monitor import clock
from cbs_monitor.models import (
    ApiClient,
    Municipality,
    Organisation,
    OrganisationKind,
    SupplierAuthorisation,
    User,
)
from cbs_monitor.services import api_clients, messages
from cbs_monitor.services.accounts import TECHNICAL_EMPLOYEE_PREFIX, administration
from cbs_monitor.services.errors import Refused
from cbs_monitor.services.permissions import Action, Actor, require


class SupplierError(Refused):
    """A refused change to a supplier, client or koppeling; Dutch."""


# --- /beheer: clients and secrets (servicedesk) -----------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClientLine:
    client_id: str
    name: str
    supplier: str
    created: str
    secret_set: str
    status: str  # "actief" | "ingetrokken"
    active: bool


@dataclasses.dataclass(frozen=True)
class SupplierLine:
    id: int
    name: str
    identifier: str
    municipalities: str  # "Amsterdam (0363), …" or "nog geen"
    clients: int


@dataclasses.dataclass(frozen=True)
class SuppliersView:
    suppliers: tuple[SupplierLine, ...]
    clients: tuple[ClientLine, ...]


@dataclasses.dataclass(frozen=True)
class SecretDone:
    """What a client action did; the secret is there once, right after it was made."""

    message: str
    view: SuppliersView
    client_id: str = ""
    client_secret: str = ""


def _suppliers(db: Session) -> list[Organisation]:
    return list(
        db.exec(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.supplier)
            .order_by(Organisation.name)
        ).all()
    )


def suppliers_view(db: Session, actor: Actor) -> SuppliersView:
    require(actor, Action.administer)
    orgs = _suppliers(db)
    clients = db.exec(
        select(ApiClient).order_by(col(ApiClient.created_at), col(ApiClient.id))
    ).all()
    names = {o.id: o.name for o in orgs}
    muni = dict(db.exec(select(Municipality.code, Municipality.name)).all())
    lines = []
    for org in orgs:
        assert org.id is not None
        codes = api_clients.authorised_codes(db, org.id)
        lines.append(
            SupplierLine(
                id=org.id,
                name=org.name,
                identifier=org.identifier,
                municipalities=", ".join(f"{muni.get(c, c)} ({c})" for c in codes) or "nog geen",
                clients=sum(1 for c in clients if c.organisation_id == org.id),
            )
        )
    return SuppliersView(
        suppliers=tuple(lines),
        clients=tuple(
            ClientLine(
                client_id=c.client_id,
                name=c.name,
                supplier=names.get(c.organisation_id, ""),
                created=clock.format_local(c.created_at),
                secret_set=clock.format_local(c.secret_set_at),
                status="ingetrokken" if c.revoked_at else "actief",
                active=c.revoked_at is None,
            )
            for c in clients
            if c.organisation_id in names
        ),
    )


def register_supplier(db: Session, actor: Actor, name: str, identifier: str) -> SecretDone:
    """The servicedesk registers a software supplier (an organisation without people's roles)."""
    org = administration.add_organisation(
        db, actor, kind=OrganisationKind.supplier.value, name=name, identifier=identifier
    )
    return SecretDone(
        f"Softwareleverancier {org.name} geregistreerd. Maak nu een koppeling (client) aan.",
        suppliers_view(db, actor),
    )


def create_client(db: Session, actor: Actor, organisation_id: int, name: str) -> SecretDone:
    """A new client for a supplier, with a technical user the deliveries are recorded under.
    The secret is returned once; only its hash is stored."""
    require(actor, Action.administer)
    org = db.get(Organisation, int(organisation_id))
    if org is None or org.kind != OrganisationKind.supplier:
        raise SupplierError("Kies een softwareleverancier.")
    name = (name or "").strip() or f"Koppeling {org.name}"
    if len(name) > 100:
        raise SupplierError("De naam van de koppeling is te lang (maximaal 100 tekens).")
    client, secret = register_client(db, org, name)
    return SecretDone(
        f"Koppeling {name} voor {org.name} aangemaakt. Kopieer het geheim nu: het wordt maar "
        "één keer getoond.",
        suppliers_view(db, actor),
        client.client_id,
        secret,
    )


def register_client(
    db: Session, org: Organisation, name: str, *, client_id: str | None = None
) -> tuple[ApiClient, str]:
    """The client row, its technical user and a fresh secret (create_client and the demo seed;
    the caller authorised)."""
    client_id = client_id or api_clients.new_client_id()
    # Not a person: no roles, no e-mail, an employee id no identity provider sends.
    user = User(
        organisation_id=org.id,
        name=f"{name} (API)",
        email="",
        employee_id=TECHNICAL_EMPLOYEE_PREFIX + client_id,
    )
    db.add(user)
    db.flush()
    secret = api_clients.new_secret()
    client = ApiClient(
        client_id=client_id,
        organisation_id=org.id,
        user_id=user.id,
        name=name,
        secret_hash=api_clients.hash_secret(secret),
    )
    db.add(client)
    db.flush()
    return client, secret


def _client(db: Session, client_id: str) -> ApiClient:
    client = db.exec(select(ApiClient).where(ApiClient.client_id == (client_id or ""))).first()
    if client is None:
        raise SupplierError("Deze koppeling bestaat niet.")
    return client


def rotate_secret(db: Session, actor: Actor, client_id: str) -> SecretDone:
    """A new secret; the old one and every token issued with it stop working at once."""
    require(actor, Action.administer)
    client = _client(db, client_id)
    if client.revoked_at is not None:
        raise SupplierError("Deze koppeling is ingetrokken; maak een nieuwe aan.")
    secret = api_clients.new_secret()
    client.secret_hash = api_clients.hash_secret(secret)
    client.secret_set_at = clock.now()
    db.add(client)
    assert client.id is not None
    api_clients.revoke_tokens(db, client.id)
    return SecretDone(
        f"Nieuw geheim voor {client.name}. Het oude geheim en de uitgegeven tokens werken niet "
        "meer. Kopieer het geheim nu: het wordt maar één keer getoond.",
        suppliers_view(db, actor),
        client.client_id,
        secret,
    )


def revoke_client(db: Session, actor: Actor, client_id: str) -> SecretDone:
    require(actor, Action.administer)
    client = _client(db, client_id)
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        db.add(client)
        assert client.id is not None
        api_clients.revoke_tokens(db, client.id)
    return SecretDone(f"Koppeling {client.name} ingetrokken.", suppliers_view(db, actor))


# --- the Koppelingen tab: which suppliers may deliver for this municipality -------------------


@dataclasses.dataclass(frozen=True)
class LinkRow:
    organisation_id: int
    supplier: str
    authorised: bool
    since: str  # "01-12-2026 14:03" or ""


@dataclasses.dataclass(frozen=True)
class LinksView:
    municipality: str
    can_change: bool
    rows: tuple[LinkRow, ...]


@dataclasses.dataclass(frozen=True)
class LinksDone:
    message: str
    view: LinksView


def links_view(db: Session, actor: Actor, municipality_code: str) -> LinksView:
    require(actor, Action.view, municipality_code)
    if actor.is_supplier:
        require(actor, Action.authorise_supplier, municipality_code)  # always refused
    grants = {
        a.organisation_id: a
        for a in db.exec(
            select(SupplierAuthorisation).where(
                SupplierAuthorisation.municipality_code == municipality_code,
                col(SupplierAuthorisation.revoked_at).is_(None),
            )
        )
    }
    name = actor.municipality_names.get(municipality_code, municipality_code)
    return LinksView(
        municipality=f"{name} ({municipality_code})",
        can_change=_may_change(actor, municipality_code),
        rows=tuple(
            LinkRow(
                organisation_id=org.id or 0,
                supplier=org.name,
                authorised=org.id in grants,
                since=clock.format_local(grants[org.id].granted_at) if org.id in grants else "",
            )
            for org in _suppliers(db)
        ),
    )


def _may_change(actor: Actor, code: str) -> bool:
    try:
        require(actor, Action.authorise_supplier, code)
    except Refused:
        return False
    return True


NOT_PRODUCT_MANAGER = (
    "Alleen de productbeheerder CBS Monitor van de gemeente kan een softwareleverancier "
    "toestaan of de toestemming intrekken."
)


def _supplier(db: Session, organisation_id: int) -> Organisation:
    org = db.get(Organisation, int(organisation_id))
    if org is None or org.kind != OrganisationKind.supplier:
        raise SupplierError("Deze softwareleverancier bestaat niet.")
    return org


def authorise(
    db: Session,
    actor: Actor,
    municipality_code: str,
    organisation_id: int,
    *,
    terms_accepted: bool,
) -> LinksDone:
    """The productbeheerder lets a supplier deliver for the municipality; the supplier's
    deliveries then accept the Algemene voorwaarden on the municipality's behalf, so the
    productbeheerder accepts them here."""
    require(actor, Action.authorise_supplier, municipality_code, message=NOT_PRODUCT_MANAGER)
    if not terms_accepted:
        raise SupplierError(
            "Vink eerst het vak Algemene voorwaarden aan: de leverancier levert aan namens uw "
            "gemeente."
        )
    org = _supplier(db, organisation_id)
    row = db.exec(
        select(SupplierAuthorisation).where(
            SupplierAuthorisation.municipality_code == municipality_code,
            SupplierAuthorisation.organisation_id == org.id,
        )
    ).first()
    if row is not None and row.revoked_at is None:
        return LinksDone(f"{org.name} mag al aanleveren.", links_view(db, actor, municipality_code))
    now = clock.now()
    if row is None:
        row = SupplierAuthorisation(municipality_code=municipality_code, organisation_id=org.id)
    row.granted_at, row.granted_by_user_id = now, actor.user_id
    row.revoked_at = row.revoked_by_user_id = None
    db.add(row)
    db.flush()
    messages.log_message(
        db,
        municipality_code,
        "koppeling_gewijzigd",
        f"Softwareleverancier {org.name} mag aanleveren en rapporten ophalen voor deze gemeente "
        f"(toegestaan door {actor.name}).",
        user_id=actor.user_id,
    )
    return LinksDone(
        f"{org.name} mag nu aanleveren voor deze gemeente.",
        links_view(db, actor, municipality_code),
    )


def revoke(db: Session, actor: Actor, municipality_code: str, organisation_id: int) -> LinksDone:
    """The supplier's clients lose access to the municipality at their next request."""
    require(actor, Action.authorise_supplier, municipality_code, message=NOT_PRODUCT_MANAGER)
    org = _supplier(db, organisation_id)
    row = db.exec(
        select(SupplierAuthorisation).where(
            SupplierAuthorisation.municipality_code == municipality_code,
            SupplierAuthorisation.organisation_id == org.id,
            col(SupplierAuthorisation.revoked_at).is_(None),
        )
    ).first()
    if row is not None:
        row.revoked_at, row.revoked_by_user_id = clock.now(), actor.user_id
        db.add(row)
        db.flush()
        messages.log_message(
            db,
            municipality_code,
            "koppeling_gewijzigd",
            f"Softwareleverancier {org.name} mag niet meer aanleveren voor deze gemeente "
            f"(ingetrokken door {actor.name}).",
            user_id=actor.user_id,
        )
    return LinksDone(
        f"{org.name} mag niet meer aanleveren voor deze gemeente.",
        links_view(db, actor, municipality_code),
    )
