"""The embedded demo set-up: all municipalities, demo organisations, users, identities and periods."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zlib
from importlib import resources

from sqlmodel import Session, func, select

from cbs_monitor import clock
from cbs_monitor.models import (
    ApiClient,
    Delegation,
    Delivery,
    Identity,
    Municipality,
    Organisation,
    OrganisationKind,
    OutboxMail,
    ReportingPeriod,
    Role,
    SupplierAuthorisation,
    User,
    UserRole,
)
from cbs_monitor.protocol import ValidationContext, validate_upload
from cbs_monitor.protocol.periods import Period
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.services import api_clients, deliveries, suppliers
from cbs_monitor.services.accounts import codes
from cbs_monitor.services.permissions import load_actor

# The issuer under which demo identities of the built-in identity provider are linked.
BUILTIN_ISSUER = "builtin-idp"


def municipality_rows() -> list[tuple[str, str]]:
    """(code, name) of all 342 municipalities (CBS, municipal division 1 January 2025)."""
    text = resources.files("cbs_monitor.data").joinpath("gemeenten-2025.csv").read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    return [(row["gemeentecode"].strip(), row["gemeentenaam"].strip()) for row in reader]


# The demo software supplier, its API client and the municipalities that authorised it.
DEMO_SUPPLIER_IDENTIFIER = "00000003012345678000"
DEMO_CLIENT_ID = "cbsm-demo-leverancier"
DEMO_SUPPLIER_MUNICIPALITIES = ["0363"]

# Demo organisations: (identifier, kind, name, municipality code)
ORGANISATIONS = [
    ("00000001002306608000", OrganisationKind.municipality, "Gemeente Amsterdam", "0363"),
    ("00000001002220647000", OrganisationKind.municipality, "Gemeente Utrecht", "0344"),
    ("00000001001589623000", OrganisationKind.municipality, "Gemeente Groningen", "0014"),
    ("00000001001234567000", OrganisationKind.municipality, "Gemeente Harderwijk", "0243"),
    (
        "00000004003214345000",
        OrganisationKind.cooperative,
        "Samenwerkingsverband Noord-Veluwe",
        None,
    ),
    ("00000001003214345000", OrganisationKind.cbs, "Centraal Bureau voor de Statistiek", None),
    ("00000001823288444000", OrganisationKind.servicedesk, "Servicedesk Inlichtingenbureau", None),
    (DEMO_SUPPLIER_IDENTIFIER, OrganisationKind.supplier, "Voorbeeld Zorgsoftware B.V.", None),
]

# Municipalities that delegated their delivery to the samenwerkingsverband.
DELEGATING = ["0243", "0233", "0302"]  # Harderwijk, Ermelo, Nunspeet

# Demo users: (employee id, organisation identifier, name, e-mail, roles, linked at seed time)
USERS = [
    (
        "anna.devries",
        "00000001002306608000",
        "Anna de Vries",
        "anna.devries@amsterdam.example",
        [Role.user, Role.product_manager],
        True,
    ),
    (
        "bram.jansen",
        "00000001002306608000",
        "Bram Jansen",
        "bram.jansen@amsterdam.example",
        [Role.user],
        True,
    ),
    (
        "carla.bakker",
        "00000001002220647000",
        "Carla Bakker",
        "carla.bakker@utrecht.example",
        [Role.user, Role.product_manager],
        True,
    ),
    (
        "daan.visser",
        "00000001001589623000",
        "Daan Visser",
        "daan.visser@groningen.example",
        [Role.user, Role.product_manager],
        False,
    ),
    (
        "hanna.kok",
        "00000001001234567000",
        "Hanna Kok",
        "hanna.kok@harderwijk.example",
        [Role.user, Role.product_manager],
        True,
    ),
    (
        "eva.mulder",
        "00000004003214345000",
        "Eva Mulder",
        "eva.mulder@noord-veluwe.example",
        [Role.user, Role.coordinator],
        True,
    ),
    (
        "frank.deboer",
        "00000001003214345000",
        "Frank de Boer",
        "f.deboer@cbs.example",
        [Role.cbs_reviewer],
        True,
    ),
    (
        "gerda.smit",
        "00000001823288444000",
        "Gerda Smit",
        "g.smit@inlichtingenbureau.example",
        [Role.servicedesk],
        True,
    ),
]


def demo_periods(today: dt.date) -> list[ReportingPeriod]:
    """Periods around today: the latest completed half year has its delivery window open; the one
    before has approved deliveries and its withdrawal window open; the one before that is history."""
    current = _latest_completed_half_year(today)
    previous = current.previous()
    earlier = previous.previous()
    rows = []
    for code, delivery, withdrawal in (
        (
            current,
            (today - dt.timedelta(days=14), today + dt.timedelta(days=30)),
            (today + dt.timedelta(days=60), today + dt.timedelta(days=71)),
        ),
        (
            previous,
            (today - dt.timedelta(days=170), today - dt.timedelta(days=60)),
            (today - dt.timedelta(days=3), today + dt.timedelta(days=8)),
        ),
        (
            earlier,
            (today - dt.timedelta(days=350), today - dt.timedelta(days=240)),
            (today - dt.timedelta(days=200), today - dt.timedelta(days=189)),
        ),
    ):
        rows.append(
            ReportingPeriod(
                code=code.code,
                start_date=code.start,
                end_date=code.end,
                delivery_opens_on=delivery[0],
                delivery_closes_on=delivery[1],
                withdrawal_opens_on=withdrawal[0],
                withdrawal_closes_on=withdrawal[1],
            )
        )
    return rows


def _latest_completed_half_year(today: dt.date) -> Period:
    return Period(today.year, 1) if today.month >= 7 else Period(today.year - 1, 2)


def seed_demo(
    db: Session, today: dt.date | None = None, *, with_history: bool = False
) -> dict[str, int]:
    """Create whatever of the demo set-up is missing. Idempotent: a second run adds nothing."""
    today = today or clock.today()
    added = {
        "municipalities": 0,
        "organisations": 0,
        "users": 0,
        "periods": 0,
        "delegations": 0,
        "deliveries": 0,
    }
    existing = set(db.exec(select(Municipality.code)).all())
    for code, name in municipality_rows():
        if code not in existing:
            db.add(Municipality(code=code, name=name))
            added["municipalities"] += 1
    db.flush()

    orgs: dict[str, Organisation] = {o.identifier: o for o in db.exec(select(Organisation))}
    for identifier, kind, name, municipality in ORGANISATIONS:
        if identifier not in orgs:
            org = Organisation(
                identifier=identifier, kind=kind, name=name, municipality_code=municipality
            )
            db.add(org)
            db.flush()
            orgs[identifier] = org
            added["organisations"] += 1

    coop = orgs["00000004003214345000"]
    have = {
        d.municipality_code
        for d in db.exec(select(Delegation).where(Delegation.organisation_id == coop.id))
    }
    for code in DELEGATING:
        if code not in have:
            db.add(Delegation(municipality_code=code, organisation_id=coop.id))
            added["delegations"] += 1

    for employee_id, org_identifier, name, email, roles, linked in USERS:
        org = orgs[org_identifier]
        user = db.exec(
            select(User).where(User.employee_id == employee_id, User.organisation_id == org.id)
        ).first()
        if user is None:
            user = User(organisation_id=org.id, name=name, email=email, employee_id=employee_id)
            db.add(user)
            db.flush()
            for role in roles:
                db.add(UserRole(user_id=user.id, role=role))
            if linked:
                db.add(
                    Identity(
                        user_id=user.id,
                        issuer=BUILTIN_ISSUER,
                        subject=employee_id,
                        organisation_identifier=org_identifier,
                    )
                )
            added["users"] += 1

    known = set(db.exec(select(ReportingPeriod.code)).all())
    for period in demo_periods(today):
        if period.code not in known:
            db.add(period)
            added["periods"] += 1
    db.flush()
    # The demo user without an identity gets the demo code.
    codes.issue_demo_code(db)
    _seed_supplier(db, orgs[DEMO_SUPPLIER_IDENTIFIER])
    if with_history:
        added["deliveries"] = seed_history(db, today)
    return added


# Demo history: approved deliveries of the two earlier periods, so Ophalen, the op-orde comparison
# and Intrekken can be tried at once. (municipality, employee id of the deliverer)
HISTORY = [
    ("0363", "anna.devries"),
    ("0344", "carla.bakker"),
    ("0243", "eva.mulder"),
    ("0233", "eva.mulder"),
    ("0302", "eva.mulder"),
]


def seed_history(db: Session, today: dt.date | None = None) -> int:
    """Deliver generated sample files for the earlier demo periods through the real services."""
    today = today or clock.today()
    if db.exec(select(Delivery.id).limit(1)).first() is not None:
        return 0
    current = _latest_completed_half_year(today)
    history_periods = [current.previous().previous().code, current.previous().code]
    added = 0
    # The history is demo data: its "report ready" mails are dropped, not sent months late.
    first_new_mail = (db.exec(select(func.max(OutboxMail.id))).one() or 0) + 1
    for index, period_code in enumerate(history_periods):
        period = db.get(ReportingPeriod, period_code)
        if period is None:
            continue
        for number, (code, employee_id) in enumerate(HISTORY):
            user = db.exec(select(User).where(User.employee_id == employee_id)).first()
            actor = load_actor(db, user.id) if user else None
            if actor is None:
                continue
            moment = dt.datetime.combine(
                period.delivery_opens_on + dt.timedelta(days=3 + number), dt.time(10, 15)
            )
            with clock.frozen_at(moment):
                name, data = generate_sample(
                    code,
                    period_code,
                    records=400 + 40 * number + 25 * index,
                    seed=zlib.crc32(f"{code}{period_code}".encode()) % 10_000,
                    created=moment.date(),
                )
                result = validate_upload(
                    name, data, context=ValidationContext(upload_date=moment.date())
                )
                deliveries.record(db, actor, code, name, data, result)
            added += 1
    db.flush()
    for mail in db.exec(select(OutboxMail).where(OutboxMail.id >= first_new_mail)).all():
        db.delete(mail)
    db.flush()
    return added


def _seed_supplier(db: Session, org: Organisation) -> None:
    """The demo supplier's client (its secret unknown until `demo_supplier_credentials`) and
    its authorisation by Amsterdam's productbeheerder."""
    if db.exec(select(ApiClient).where(ApiClient.client_id == DEMO_CLIENT_ID)).first() is None:
        suppliers.register_client(db, org, "Demo-koppeling", client_id=DEMO_CLIENT_ID)
    granter = db.exec(select(User).where(User.employee_id == "anna.devries")).first()
    for code in DEMO_SUPPLIER_MUNICIPALITIES:
        found = db.exec(
            select(SupplierAuthorisation).where(
                SupplierAuthorisation.municipality_code == code,
                SupplierAuthorisation.organisation_id == org.id,
            )
        ).first()
        if found is None:
            db.add(
                SupplierAuthorisation(
                    municipality_code=code,
                    organisation_id=org.id,
                    granted_by_user_id=granter.id if granter else None,
                )
            )
    db.flush()


@dataclasses.dataclass(frozen=True)
class DemoSupplier:
    client_id: str
    client_secret: str
    municipalities: list[str]


def demo_supplier_credentials(db: Session) -> DemoSupplier:
    """A fresh secret for the demo client (development only: `cbs-monitor demo-supplier`); the
    previous secret and its tokens stop working. Only the hash is stored."""
    client = db.exec(select(ApiClient).where(ApiClient.client_id == DEMO_CLIENT_ID)).first()
    if client is None:
        raise LookupError("no demo supplier: run `cbs-monitor seed-demo` first")
    secret = api_clients.new_secret()
    client.secret_hash = api_clients.hash_secret(secret)
    client.secret_set_at = clock.now()
    client.revoked_at = None
    db.add(client)
    assert client.id is not None
    api_clients.revoke_tokens(db, client.id)
    return DemoSupplier(
        client.client_id, secret, api_clients.authorised_codes(db, client.organisation_id)
    )


def database_is_empty(db: Session) -> bool:
    return db.exec(select(Municipality.code).limit(1)).first() is None
