"""SQLModel tables: the whole data model of the portal. Timestamps are timezone-aware UTC."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Column, ColumnElement, Index, UniqueConstraint, and_, or_
from sqlmodel import Field, SQLModel, col


def _now() -> dt.datetime:
    from cbs_monitor import clock  # late import: the clock reads settings

    return clock.now()


class OrganisationKind(str, enum.Enum):
    municipality = "gemeente"
    cooperative = "samenwerkingsverband"
    cbs = "cbs"
    servicedesk = "servicedesk"
    supplier = (
        "softwareleverancier"  # delivers by machine (/api/v1) for municipalities that allow it
    )


class Role(str, enum.Enum):
    user = "gebruiker"
    product_manager = "productbeheerder CBS Monitor"
    coordinator = "coördinator samenwerkingsverband"
    cbs_reviewer = "CBS-beoordelaar"
    servicedesk = "servicedesk"


class DeliveryStatus(str, enum.Enum):
    received = "ontvangen"  # stored with its receipt; the technical report is on its way
    approved = "goedgekeurd"
    rejected = "afgekeurd"
    technical_error = "technische fout"  # validation kept failing: CBS and the municipality know


class ReportKind(str, enum.Enum):
    technical = "technisch"
    readiness = "op_orde"


class ReportStatus(str, enum.Enum):
    pending = "in behandeling"
    approved = "Goedgekeurd"
    rejected = "Afgekeurd"
    held = "wacht op vrijgave"
    ready = "gereed"


class Municipality(SQLModel, table=True):
    """A gemeente as CBS knows it on a date (municipal division)."""

    code: str = Field(primary_key=True, max_length=4)
    name: str
    valid_from: dt.date = Field(default=dt.date(2025, 1, 1))
    valid_to: dt.date | None = None
    population: int | None = None


class Organisation(SQLModel, table=True):
    """Who logs in through eHerkenning: a municipality, a cooperative, CBS or the servicedesk."""

    id: int | None = Field(default=None, primary_key=True)
    kind: OrganisationKind = Field(index=True)
    name: str
    # The eHerkenning legal-subject identifier (KvK number / OIN) the broker sends.
    identifier: str = Field(unique=True, index=True)
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", index=True)


class Delegation(SQLModel, table=True):
    """A delegating municipality that lets a cooperative (samenwerkingsverband) deliver for it."""

    __table_args__ = (
        UniqueConstraint("municipality_code", "organisation_id", name="uq_delegation"),
    )
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    valid_from: dt.date = Field(default=dt.date(2025, 1, 1))
    valid_to: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        """The one rule for "delegation active on a day": both ends inclusive, no end is open."""
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)

    @classmethod
    def in_force_clause(cls, day: dt.date) -> ColumnElement[bool]:
        """The same rule as a SQL condition, for queries."""
        return and_(
            col(cls.valid_from) <= day, or_(col(cls.valid_to).is_(None), col(cls.valid_to) >= day)
        )


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str
    email: str
    # The employee id the eHerkenning broker sends for this person (pre-registered by the servicedesk).
    employee_id: str = Field(index=True)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=_now)
    # Raised by every change to what the user may do (roles, active, delegations of their
    # organisation): the session lookup reuses a resolved Actor while this stays the same.
    access_version: int = 0


class UserRole(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: Role


class Identity(SQLModel, table=True):
    """An eHerkenning identity (issuer + subject) linked to a user after the first login."""

    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_identity"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    issuer: str
    subject: str
    organisation_identifier: str
    linked_at: dt.datetime = Field(default_factory=_now)
    last_login_at: dt.datetime | None = None


class VerificationCode(SQLModel, table=True):
    """The one-time code the servicedesk issues for a first login. Only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str
    issued_at: dt.datetime = Field(default_factory=_now)
    expires_at: dt.datetime
    failed_attempts: int = 0
    used_at: dt.datetime | None = None
    blocked_at: dt.datetime | None = None
    issued_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class UserSession(SQLModel, table=True):
    """A server-side login session; the browser holds only the opaque id (stored hashed)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: dt.datetime = Field(default_factory=_now)
    last_seen_at: dt.datetime = Field(default_factory=_now)
    ended_at: dt.datetime | None = None
    # The municipality a coordinator currently works for (survives a reload).
    selected_municipality_code: str | None = Field(default=None, foreign_key="municipality.code")


class LoginAttempt(SQLModel, table=True):
    """OIDC round trip in flight: state, nonce and PKCE verifier, single use."""

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(unique=True, index=True)
    nonce: str
    code_verifier: str
    created_at: dt.datetime = Field(default_factory=_now)
    used_at: dt.datetime | None = None


class PendingLink(SQLModel, table=True):
    """An authenticated eHerkenning identity waiting for its verification code (first login)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    issuer: str
    subject: str
    organisation_identifier: str
    employee_id: str
    created_at: dt.datetime = Field(default_factory=_now)
    used_at: dt.datetime | None = None


class ReportingPeriod(SQLModel, table=True):
    """A verslagperiode (e.g. 2026H1) with its aanleverperiode and intrekperiode (local dates, inclusive)."""

    code: str = Field(primary_key=True, max_length=6)
    start_date: dt.date
    end_date: dt.date
    delivery_opens_on: dt.date
    delivery_closes_on: dt.date
    withdrawal_opens_on: dt.date
    withdrawal_closes_on: dt.date
    publication_date: dt.date | None = None
    updated_at: dt.datetime = Field(default_factory=_now)


class Delivery(SQLModel, table=True):
    """One uploaded file (aanlevering) for one municipality and period."""

    __table_args__ = (
        Index("ix_delivery_muni_period", "municipality_code", "period_code", "received_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code")
    period_code: str = Field(foreign_key="reportingperiod.code", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    filename: str
    size: int
    sha256: str
    # Key of the file in private storage; None once retention deleted it.
    storage_key: str | None = None
    received_at: dt.datetime = Field(default_factory=_now, index=True)
    status: DeliveryStatus = Field(default=DeliveryStatus.received, index=True)
    replaced_by_id: int | None = Field(default=None, foreign_key="delivery.id")
    records_read: int = 0
    records_valid: int = 0
    records_with_errors: int = 0
    records_out_of_period: int = 0
    # The validation job: what it checks against (fixed at receipt), when it was last queued, how
    # often it was claimed, by which worker (host:pid:token) and since when (a claim older than the
    # lease, or of a dead process on this host, is a worker that died), and its end.
    validation_context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    validation_queued_at: dt.datetime | None = None
    validation_attempts: int = 0
    validation_claimed_by: str | None = None
    validation_claimed_at: dt.datetime | None = None
    validated_at: dt.datetime | None = None
    validation_error: str | None = None
    # CBS override of the technical verdict.
    override_status: DeliveryStatus | None = None
    override_reason: str | None = None
    override_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    file_deleted_at: dt.datetime | None = None

    @property
    def effective_status(self) -> DeliveryStatus:
        """The technical verdict, after a CBS override if there is one."""
        return self.override_status or self.status


class Report(SQLModel, table=True):
    """A technisch rapport or op-orde rapport of a delivery, with its service-level due date."""

    __table_args__ = (UniqueConstraint("delivery_id", "kind", name="uq_report_delivery_kind"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    kind: ReportKind
    status: ReportStatus = ReportStatus.pending
    due_at: dt.datetime
    created_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    released_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    # The report's content as JSON (findings / figures): what the screen shows. Never a BSN.
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    storage_key: str | None = None


class StoredFile(SQLModel, table=True):
    """A delivered file kept in the portal's own database (CBS_MONITOR_FILE_STORAGE=database), so
    that every portal node and worker reaches it. Content-addressed: the key is the SHA-256 of the
    bytes, so the same file delivered twice is one row."""

    key: str = Field(primary_key=True, max_length=64)
    content: bytes
    size: int
    created_at: dt.datetime
    # Real time of the last put of these bytes (the folder's mtime): the stray-file sweep removes
    # a row no delivery points at only once this is older than its grace time.
    touched_at: dt.datetime = Field(index=True)


class WithdrawalPart(str, enum.Enum):
    totals = "totaal_hoofdgroep"
    categories = "productcategorie"
    neighbourhood = "wijk_buurt"
    financing = "financieringsvorm"
    personal = "persoonskenmerken"


class Withdrawal(SQLModel, table=True):
    """The current choice per onderdeel: withdrawn (True) or published (False, the default)."""

    __table_args__ = (
        UniqueConstraint("municipality_code", "period_code", "part", name="uq_withdrawal"),
    )
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True)
    period_code: str = Field(foreign_key="reportingperiod.code")
    part: WithdrawalPart
    withdrawn: bool = False
    updated_at: dt.datetime = Field(default_factory=_now)
    updated_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class WithdrawalChange(SQLModel, table=True):
    """History of every withdrawal choice (portal or CBS form)."""

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True)
    period_code: str = Field(foreign_key="reportingperiod.code")
    part: WithdrawalPart
    withdrawn: bool
    changed_at: dt.datetime = Field(default_factory=_now)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = "portaal"  # "portaal" or "cbs-formulier"
    reason: str | None = None


class Message(SQLModel, table=True):
    """One line of the Berichtenlog of a municipality."""

    __table_args__ = (Index("ix_message_muni_created", "municipality_code", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code")
    period_code: str | None = Field(default=None, foreign_key="reportingperiod.code")
    created_at: dt.datetime = Field(default_factory=_now)
    kind: str  # e.g. bestand_ontvangen, rapport_beschikbaar, intrekking_gewijzigd, notificatie_verstuurd
    text: str
    user_id: int | None = Field(default=None, foreign_key="user.id")
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    # Makes a message idempotent where it stems from a repeatable event (scheduler).
    key: str | None = Field(default=None, unique=True)


class OutboxMail(SQLModel, table=True):
    """A mail to send exactly once (unique key); sent over SMTP or written as .eml."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    recipient: str
    subject: str
    body_text: str
    body_html: str = ""
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", index=True)
    # What the mail is about, for its Berichtenlog line once it went out.
    period_code: str | None = Field(default=None, foreign_key="reportingperiod.code")
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    created_at: dt.datetime = Field(default_factory=_now)
    sent_at: dt.datetime | None = Field(default=None, index=True)
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None


class PeriodEvent(SQLModel, table=True):
    """A window transition the scheduler has carried out (idempotent by key)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # e.g. delivery-opened/2026H1
    period_code: str = Field(foreign_key="reportingperiod.code")
    happened_at: dt.datetime = Field(default_factory=_now)


class SchedulerLease(SQLModel, table=True):
    """Exactly one scheduler acts: the holder renews the lease; another takes over when it lapses."""

    name: str = Field(primary_key=True)
    holder: str
    expires_at: dt.datetime


class DownloadGrant(SQLModel, table=True):
    """A short-lived, single-use link to download a report, issued after the permission check."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str  # technisch_rapport, op_orde_rapport, berichtenlog, cbs_overzicht
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=_now)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


class ApiClient(SQLModel, table=True):
    """Machine credentials of a software supplier (OAuth 2.0 client credentials). Only a keyed
    hash of the secret is stored: the servicedesk sees the secret once, when it is made."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    # The technical user the client acts as: deliveries and Berichtenlog lines name it.
    user_id: int = Field(foreign_key="user.id")
    name: str
    secret_hash: str
    created_at: dt.datetime = Field(default_factory=_now)
    secret_set_at: dt.datetime = Field(default_factory=_now)
    revoked_at: dt.datetime | None = None


class ApiToken(SQLModel, table=True):
    """A short-lived bearer token issued to a client; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    api_client_id: int = Field(foreign_key="apiclient.id", index=True)
    scope: str
    issued_at: dt.datetime = Field(default_factory=_now)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None


class SupplierAuthorisation(SQLModel, table=True):
    """A municipality lets a software supplier deliver for it (and fetch its reports)."""

    __table_args__ = (
        UniqueConstraint("municipality_code", "organisation_id", name="uq_supplier_authorisation"),
    )
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    granted_at: dt.datetime = Field(default_factory=_now)
    granted_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: dt.datetime | None = None
    revoked_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class IdempotencyKey(SQLModel, table=True):
    """An Idempotency-Key a client sent with a delivery: a retry gets the first delivery back."""

    __table_args__ = (UniqueConstraint("api_client_id", "key", name="uq_idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    api_client_id: int = Field(foreign_key="apiclient.id", index=True)
    key: str = Field(max_length=200)
    # SHA-256 of what was sent (name and bytes): the same key with another file is refused.
    request_sha256: str
    # Claimed before the delivery is stored (a concurrent retry waits on the key), then filled.
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    created_at: dt.datetime = Field(default_factory=_now)
