"""Accounts: organisations, users, roles, delegations and first-login codes, one module per job.

Errors a person must read are `AccountError`s with a Dutch message.
"""

from __future__ import annotations

from cbs_monitor.models import OrganisationKind, Role
from cbs_monitor.services.errors import Refused

SERVICEDESK_CONTACT = (
    "Neem contact op met de Servicedesk via servicedesk@inlichtingenbureau.nl of 0800 222 11 22."
)

# The fixed code of the demo user who has not logged in yet (daan.visser, Gemeente Groningen).
# Development/demo data only: `issue_demo_code` is called by the demo seed, never in production.
DEMO_VERIFICATION_CODE = "DEMO-2026"
DEMO_CODE_EMPLOYEE_ID = "daan.visser"
DEMO_CODE_ORGANISATION = "00000001001589623000"

# Codes are read aloud on the phone: no 0/O or 1/I/L look-alikes. 8 symbols of 31 ≈ 40 bits,
# against at most 5 guesses per code.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

# The employee id of an API client's technical user starts with this: no person, so it is not
# listed on /beheer and no login can be bound to it.
TECHNICAL_EMPLOYEE_PREFIX = "api:"

# Which roles fit which kind of organisation.
ROLES_BY_KIND: dict[OrganisationKind, tuple[Role, ...]] = {
    OrganisationKind.municipality: (Role.user, Role.product_manager),
    OrganisationKind.cooperative: (Role.user, Role.coordinator, Role.product_manager),
    OrganisationKind.cbs: (Role.cbs_reviewer,),
    OrganisationKind.servicedesk: (Role.servicedesk,),
    # A supplier's systems act through API clients (/beheer, Leveranciers), not as people.
    OrganisationKind.supplier: (),
}

KIND_LABELS = {
    OrganisationKind.municipality: "Gemeente",
    OrganisationKind.cooperative: "Samenwerkingsverband",
    OrganisationKind.cbs: "CBS",
    OrganisationKind.servicedesk: "Servicedesk",
    OrganisationKind.supplier: "Softwareleverancier",
}


class AccountError(Refused):
    """A refused change; the message is Dutch and safe to show."""
