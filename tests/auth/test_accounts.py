"""services/accounts: verification codes, identity linking, organisations, users, roles, delegations."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlmodel import select

from cbs_monitor import clock
from cbs_monitor.models import Delegation, Identity, Organisation, Role, User, VerificationCode
from cbs_monitor.services import accounts, permissions, sessions
from cbs_monitor.services.accounts import AccountError, administration, codes, login_binding
from cbs_monitor.services.accounts.codes import VerificationOutcome
from tests.auth.conftest import desk

GRONINGEN = "00000001001589623000"
AMSTERDAM = "00000001002306608000"
COOP = "00000004003214345000"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _user(s, employee_id: str) -> User:
    return s.exec(select(User).where(User.employee_id == employee_id)).one()


def _org(s, identifier: str) -> Organisation:
    return s.exec(select(Organisation).where(Organisation.identifier == identifier)).one()


def _verify(s, code: str, *, employee_id="daan.visser", org=GRONINGEN, subject="sub-daan"):
    return codes.verify_code(
        s,
        issuer="https://broker.example",
        subject=subject,
        organisation_identifier=org,
        employee_id=employee_id,
        code=code,
    )


@pytest.fixture
def fresh_code(dbs):
    """daan.visser with a code issued at START (the seed's demo code replaced)."""
    clock.set_fixed(START)
    code = codes.issue_code(dbs, _user(dbs, "daan.visser").id)
    return code


# --- codes ------------------------------------------------------------------------------------


def test_generated_codes_are_random_readable_and_long_enough():
    generated = {codes.generate_code() for _ in range(200)}
    assert len(generated) == 200
    for code in generated:
        assert len(code) == 9 and code[4] == "-"
        assert set(code.replace("-", "")) <= set(accounts.CODE_ALPHABET)
    assert not set("01OIL") & set(accounts.CODE_ALPHABET)


def test_only_a_keyed_hash_is_stored(dbs, fresh_code):
    row = codes.current_code(dbs, _user(dbs, "daan.visser").id)
    assert fresh_code not in row.code_hash
    assert row.code_hash.startswith("hmac-sha256$")
    plain_sha = hashlib.sha256(codes.normalise_code(fresh_code).encode()).hexdigest()
    assert plain_sha not in row.code_hash
    assert row.code_hash == codes.hash_code(fresh_code.lower().replace("-", " "))


def test_right_code_links_identity_once(dbs, fresh_code):
    result = _verify(dbs, fresh_code)
    assert result.outcome == VerificationOutcome.linked
    identity = dbs.exec(select(Identity).where(Identity.subject == "sub-daan")).one()
    assert identity.user_id == _user(dbs, "daan.visser").id
    assert identity.organisation_identifier == GRONINGEN
    # One-time: the same code cannot link a second identity.
    again = _verify(dbs, fresh_code, subject="sub-someone-else")
    assert again.outcome == VerificationOutcome.no_code
    assert dbs.exec(select(Identity).where(Identity.subject == "sub-someone-else")).first() is None


def test_code_is_normalised(dbs, fresh_code):
    assert (
        _verify(dbs, "  " + fresh_code.lower().replace("-", " ") + " ").outcome
        == VerificationOutcome.linked
    )


def test_code_expires_after_fourteen_days(dbs, fresh_code):
    clock.set_fixed(START + dt.timedelta(days=14, seconds=1))
    assert _verify(dbs, fresh_code).outcome == VerificationOutcome.expired


def test_code_still_valid_just_before_expiry(dbs, fresh_code):
    clock.set_fixed(START + dt.timedelta(days=13, hours=23))
    assert _verify(dbs, fresh_code).outcome == VerificationOutcome.linked


def test_five_wrong_attempts_block_until_a_new_code(dbs, fresh_code):
    left = [_verify(dbs, "WRONG-CODE") for _ in range(4)]
    assert [r.outcome for r in left] == [VerificationOutcome.wrong] * 4
    assert [r.attempts_left for r in left] == [4, 3, 2, 1]
    assert _verify(dbs, "WRONG-CODE").outcome == VerificationOutcome.blocked
    # Even the right code no longer works.
    assert _verify(dbs, fresh_code).outcome == VerificationOutcome.blocked
    row = codes.current_code(dbs, _user(dbs, "daan.visser").id)
    assert row.blocked_at is not None and row.failed_attempts == 5
    assert [u.employee_id for u in administration.blocked_users(dbs, desk(dbs))] == ["daan.visser"]
    # The servicedesk issues a new code: the block is lifted.
    new_code = codes.issue_code(dbs, _user(dbs, "daan.visser").id)
    assert administration.blocked_users(dbs, desk(dbs)) == []
    assert _verify(dbs, new_code).outcome == VerificationOutcome.linked


def test_a_new_code_replaces_the_old_one(dbs, fresh_code):
    newer = codes.issue_code(dbs, _user(dbs, "daan.visser").id)
    assert newer != fresh_code
    assert _verify(dbs, fresh_code).outcome == VerificationOutcome.wrong
    assert _verify(dbs, newer).outcome == VerificationOutcome.linked


def test_unknown_or_inactive_user_cannot_use_a_code(dbs, fresh_code):
    assert (
        _verify(dbs, fresh_code, employee_id="nobody").outcome == VerificationOutcome.unknown_user
    )
    assert _verify(dbs, fresh_code, org=AMSTERDAM).outcome == VerificationOutcome.unknown_user
    administration.set_active(dbs, desk(dbs), _user(dbs, "daan.visser").id, False)
    assert _verify(dbs, fresh_code).outcome == VerificationOutcome.unknown_user


def test_no_code_issued(dbs):
    assert (
        _verify(dbs, "ABCD-EFGH", employee_id="bram.jansen", org=AMSTERDAM).outcome
        == VerificationOutcome.no_code
    )


def test_codes_only_for_active_users(dbs):
    user = _user(dbs, "bram.jansen")
    administration.set_active(dbs, desk(dbs), user.id, False)
    with pytest.raises(AccountError):
        codes.issue_code(dbs, user.id)


def test_demo_code_is_fixed_idempotent_and_gone_once_linked(dbs):
    assert codes.issue_demo_code(dbs) == accounts.DEMO_VERIFICATION_CODE
    count = len(dbs.exec(select(VerificationCode)).all())
    assert codes.issue_demo_code(dbs) == accounts.DEMO_VERIFICATION_CODE
    assert len(dbs.exec(select(VerificationCode)).all()) == count
    assert _verify(dbs, "demo-2026").outcome == VerificationOutcome.linked
    assert codes.issue_demo_code(dbs) is None


def test_no_demo_code_in_production(dbs, monkeypatch):
    from cbs_monitor.settings import reset_settings

    monkeypatch.setenv("CBS_MONITOR_MODE", "production")
    monkeypatch.setenv("CBS_MONITOR_SECRET_KEY", "x" * 40)
    reset_settings()
    assert codes.issue_demo_code(dbs) is None
    reset_settings()


# --- login resolution -------------------------------------------------------------------------


def test_resolve_login(dbs):
    ok = login_binding.resolve_login(
        dbs, issuer="builtin-idp", subject="anna.devries", organisation_identifier=AMSTERDAM
    )
    assert (
        ok.outcome == login_binding.LoginOutcome.ok and ok.user_id == _user(dbs, "anna.devries").id
    )
    unknown = login_binding.resolve_login(
        dbs, issuer="builtin-idp", subject="daan.visser", organisation_identifier=GRONINGEN
    )
    assert unknown.outcome == login_binding.LoginOutcome.needs_code
    other_issuer = login_binding.resolve_login(
        dbs, issuer="https://elsewhere", subject="anna.devries", organisation_identifier=AMSTERDAM
    )
    assert other_issuer.outcome == login_binding.LoginOutcome.needs_code
    wrong_org = login_binding.resolve_login(
        dbs, issuer="builtin-idp", subject="anna.devries", organisation_identifier=GRONINGEN
    )
    assert wrong_org.outcome == login_binding.LoginOutcome.mismatch
    administration.set_active(dbs, desk(dbs), _user(dbs, "anna.devries").id, False)
    inactive = login_binding.resolve_login(
        dbs, issuer="builtin-idp", subject="anna.devries", organisation_identifier=AMSTERDAM
    )
    assert inactive.outcome == login_binding.LoginOutcome.inactive


def test_an_identity_links_to_one_user_only(dbs):
    with pytest.raises(AccountError):
        login_binding.link_identity(
            dbs,
            _user(dbs, "bram.jansen"),
            issuer="builtin-idp",
            subject="anna.devries",
            organisation_identifier=AMSTERDAM,
        )


# --- organisations, users, roles --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {
                "kind": "gemeente",
                "name": "Gemeente Ede",
                "identifier": "12345678",
                "municipality_code": "9999",
            },
            "bestaande gemeentecode",
        ),
        (
            {
                "kind": "gemeente",
                "name": "Nog een Amsterdam",
                "identifier": "12345678",
                "municipality_code": "0363",
            },
            "al een organisatie",
        ),
        (
            {
                "kind": "gemeente",
                "name": "Gemeente Ede",
                "identifier": "12AB",
                "municipality_code": "0228",
            },
            "8 tot 20 cijfers",
        ),
        (
            {
                "kind": "gemeente",
                "name": "Dubbel",
                "identifier": AMSTERDAM,
                "municipality_code": "0228",
            },
            "eHerkenning-nummer",
        ),
        (
            {"kind": "cbs", "name": "CBS 2", "identifier": "12345678", "municipality_code": "0228"},
            "Alleen een gemeente",
        ),
        ({"kind": "bank", "name": "X", "identifier": "12345678"}, "soort"),
        ({"kind": "cbs", "name": " ", "identifier": "12345678"}, "naam"),
    ],
)
def test_add_organisation_refuses(dbs, kwargs, message):
    with pytest.raises(AccountError, match=message):
        administration.add_organisation(dbs, desk(dbs), **kwargs)


def test_add_organisation_and_user_then_code(dbs):
    org = administration.add_organisation(
        dbs,
        desk(dbs),
        kind="gemeente",
        name="Gemeente Ede",
        identifier="00000001001111111000",
        municipality_code="0228",
    )
    assert any(
        o.name == "Gemeente Ede" and o.municipality_code == "0228"
        for o in administration.list_organisations(dbs, desk(dbs))
    )
    user = administration.add_user(
        dbs,
        desk(dbs),
        organisation_id=org.id,
        name="Iris Ede",
        email="iris@ede.example",
        employee_id="iris.ede",
        roles=["gebruiker", "productbeheerder CBS Monitor"],
    )
    row = next(u for u in administration.list_users(dbs, desk(dbs)) if u.id == user.id)
    assert row.roles == "gebruiker, productbeheerder CBS Monitor"
    assert not row.linked and row.code_status == "geen code"
    code = codes.issue_code(dbs, user.id)
    assert (
        next(u for u in administration.list_users(dbs, desk(dbs)) if u.id == user.id).code_status
        == "geldig"
    )
    assert (
        _verify(dbs, code, employee_id="iris.ede", org="00000001001111111000").outcome
        == VerificationOutcome.linked
    )
    actor = permissions.load_actor(dbs, user.id)
    assert actor.municipality_codes == ("0228",)


@pytest.mark.parametrize(
    "roles, message",
    [
        ([], "ten minste één rol"),
        (["CBS-beoordelaar"], "alleen deze rollen"),
        (["servicedesk"], "alleen deze rollen"),
        (["koning"], "Onbekende rol"),
    ],
)
def test_roles_must_fit_the_organisation(dbs, roles, message):
    org = _org(dbs, AMSTERDAM)
    with pytest.raises(AccountError, match=message):
        administration.add_user(
            dbs,
            desk(dbs),
            organisation_id=org.id,
            name="X",
            email="x@y.nl",
            employee_id="x",
            roles=roles,
        )


def test_add_user_refuses_duplicates_and_bad_input(dbs):
    org = _org(dbs, AMSTERDAM)
    with pytest.raises(AccountError, match="al een gebruiker"):
        administration.add_user(
            dbs,
            desk(dbs),
            organisation_id=org.id,
            name="A",
            email="a@b.nl",
            employee_id="anna.devries",
            roles=["gebruiker"],
        )
    with pytest.raises(AccountError, match="e-mailadres"):
        administration.add_user(
            dbs,
            desk(dbs),
            organisation_id=org.id,
            name="A",
            email="geen-mail",
            employee_id="a2",
            roles=["gebruiker"],
        )
    with pytest.raises(AccountError, match="organisatie"):
        administration.add_user(
            dbs,
            desk(dbs),
            organisation_id=99999,
            name="A",
            email="a@b.nl",
            employee_id="a3",
            roles=["gebruiker"],
        )


def test_set_roles(dbs):
    bram = _user(dbs, "bram.jansen")
    administration.set_roles(dbs, desk(dbs), bram.id, ["gebruiker", "productbeheerder CBS Monitor"])
    assert permissions.load_actor(dbs, bram.id).roles == {Role.user, Role.product_manager}
    administration.set_roles(dbs, desk(dbs), bram.id, ["productbeheerder CBS Monitor"])
    assert permissions.load_actor(dbs, bram.id).roles == {Role.product_manager}
    gerda = _user(dbs, "gerda.smit")
    with pytest.raises(AccountError):
        administration.set_roles(dbs, desk(dbs), gerda.id, [])


def test_deactivate_ends_sessions_and_not_oneself(dbs):
    anna = _user(dbs, "anna.devries")
    token = sessions.create_session(dbs, anna.id)
    administration.set_active(dbs, desk(dbs), anna.id, False)
    assert sessions.resolve_session(dbs, token) is None
    assert permissions.load_actor(dbs, anna.id) is None
    administration.set_active(dbs, desk(dbs), anna.id, True)
    assert permissions.load_actor(dbs, anna.id) is not None
    gerda = _user(dbs, "gerda.smit")
    with pytest.raises(AccountError, match="uzelf"):
        administration.set_active(dbs, desk(dbs), gerda.id, False)


# --- delegations ------------------------------------------------------------------------------


def test_delegations_add_end_and_readd(dbs):
    clock.set_fixed(START)
    coop = _org(dbs, COOP)
    eva = _user(dbs, "eva.mulder")
    administration.add_delegation(
        dbs, desk(dbs), municipality_code="0230", organisation_id=coop.id
    )  # Elburg
    assert "0230" in permissions.load_actor(dbs, eva.id).municipality_codes
    with pytest.raises(AccountError, match="bestaat al"):
        administration.add_delegation(
            dbs, desk(dbs), municipality_code="0230", organisation_id=coop.id
        )
    delegation = dbs.exec(select(Delegation).where(Delegation.municipality_code == "0243")).one()
    administration.end_delegation(dbs, desk(dbs), delegation.id)
    assert "0243" not in permissions.load_actor(dbs, eva.id).municipality_codes
    assert (
        next(
            d
            for d in administration.list_delegations(dbs, desk(dbs))
            if d.municipality_code == "0243"
        ).active
        is False
    )
    with pytest.raises(AccountError):
        administration.end_delegation(dbs, desk(dbs), delegation.id)
    administration.add_delegation(dbs, desk(dbs), municipality_code="0243", organisation_id=coop.id)
    assert "0243" in permissions.load_actor(dbs, eva.id).municipality_codes


def test_delegation_only_to_a_cooperative_and_one_at_a_time(dbs):
    coop = _org(dbs, COOP)
    with pytest.raises(AccountError, match="samenwerkingsverband"):
        administration.add_delegation(
            dbs, desk(dbs), municipality_code="0230", organisation_id=_org(dbs, AMSTERDAM).id
        )
    other = administration.add_organisation(
        dbs, desk(dbs), kind="samenwerkingsverband", name="SVB Oost", identifier="123456789"
    )
    with pytest.raises(AccountError, match="ander samenwerkingsverband"):
        administration.add_delegation(
            dbs, desk(dbs), municipality_code="0243", organisation_id=other.id
        )
    with pytest.raises(AccountError, match="gemeentecode"):
        administration.add_delegation(
            dbs, desk(dbs), municipality_code="12", organisation_id=coop.id
        )
