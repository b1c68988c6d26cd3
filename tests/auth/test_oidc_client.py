"""The OIDC client's ID-token validation: signature against the JWKS, issuer, audience, expiry, nonce."""

from __future__ import annotations

import asyncio
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from cbs_monitor.auth import builtin_idp
from cbs_monitor.auth.oidc_client import OIDCClient, OIDCError

NONCE = "nonce-123"


@pytest.fixture
def oidc(portal_env):
    return OIDCClient(builtin_idp.client_config(portal_env))


@pytest.fixture
def provider_key(portal_env):
    return builtin_idp.signing_key(portal_env)


def _claims(portal_env, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": builtin_idp.issuer_url(portal_env),
        "aud": [portal_env.oidc_client_id],
        "sub": "anna.devries",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        portal_env.oidc_org_claim: "00000001002306608000",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict, key, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


def _validate(oidc, token: str, nonce: str = NONCE) -> dict:
    return asyncio.run(oidc.validate_id_token(token, nonce=nonce))


def test_valid_token_gives_the_identity(oidc, portal_env, provider_key):
    claims = _validate(oidc, _sign(_claims(portal_env), provider_key))
    identity = oidc.identity_from_claims(claims)
    assert identity.issuer == "builtin-idp"  # the stored alias, not the port-dependent URL
    assert (identity.subject, identity.employee_id) == ("anna.devries", "anna.devries")
    assert identity.organisation_identifier == "00000001002306608000"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example/idp"},
        {"aud": ["someone-else"]},
        {"aud": None},
        {"exp": int(time.time()) - 3600},
        {"iat": int(time.time()) + 3600},
        {"nonce": "replayed-nonce"},
        {"nonce": None},
        {"sub": None},
    ],
    ids=[
        "issuer",
        "audience",
        "no-audience",
        "expired",
        "future-iat",
        "nonce",
        "no-nonce",
        "no-sub",
    ],
)
def test_bad_claims_are_refused(oidc, portal_env, provider_key, changes):
    with pytest.raises(OIDCError):
        _validate(oidc, _sign(_claims(portal_env, **changes), provider_key))


def test_foreign_signature_is_refused(oidc, portal_env):
    stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
    with pytest.raises(OIDCError):
        _validate(oidc, _sign(_claims(portal_env), stranger))


def test_unsigned_and_symmetric_tokens_are_refused(oidc, portal_env, provider_key):
    import base64
    import json

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = b64({"alg": "none"}) + "." + b64(_claims(portal_env)) + "."
    with pytest.raises(OIDCError):
        _validate(oidc, unsigned)
    from joserfc.jwk import OctKey

    hmac_key = OctKey.import_key(portal_env.oidc_client_id.encode() * 4)
    with pytest.raises(OIDCError):
        _validate(
            oidc, jwt.encode({"alg": "HS256"}, _claims(portal_env), hmac_key, algorithms=["HS256"])
        )


def test_tampered_payload_is_refused(oidc, portal_env, provider_key):
    token = _sign(_claims(portal_env), provider_key)
    header, _payload, signature = token.split(".")
    other = _sign(_claims(portal_env, sub="gerda.smit"), provider_key).split(".")[1]
    with pytest.raises(OIDCError):
        _validate(oidc, f"{header}.{other}.{signature}")


def test_missing_organisation_claim_is_refused(oidc, portal_env, provider_key):
    claims = _validate(
        oidc, _sign(_claims(portal_env, **{portal_env.oidc_org_claim: None}), provider_key)
    )
    with pytest.raises(OIDCError):
        oidc.identity_from_claims(claims)


def test_response_issuer_is_checked(oidc):
    asyncio.run(oidc.check_response_issuer(None))
    asyncio.run(oidc.check_response_issuer(oidc.config.issuer))
    with pytest.raises(OIDCError):
        asyncio.run(oidc.check_response_issuer("https://evil.example"))


def test_discovery_must_name_the_configured_issuer(portal_env):
    import dataclasses

    config = dataclasses.replace(
        builtin_idp.client_config(portal_env), issuer=builtin_idp.issuer_url(portal_env) + "x"
    )
    with pytest.raises(OIDCError):
        asyncio.run(OIDCClient(config).metadata())


def test_provider_redeems_a_code_once_and_checks_the_client_secret(client, portal_env):
    """The built-in provider itself: single-use codes, client authentication, PKCE required."""
    _, params = client.start()
    response = client.choose(params, employee_id="anna.devries")
    code = dict(p.split("=", 1) for p in response.headers["location"].split("?", 1)[1].split("&"))[
        "code"
    ]
    from urllib.parse import unquote

    code = unquote(code)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": "wrong" * 10,
    }
    secret = builtin_idp.client_secret(portal_env)
    bad_secret = client.post(
        "/idp/token", data=form, auth=(portal_env.oidc_client_id, "not-the-secret")
    )
    assert bad_secret.status_code == 401
    # A wrong PKCE verifier fails, and spends the code.
    assert (
        client.post("/idp/token", data=form, auth=(portal_env.oidc_client_id, secret)).status_code
        == 400
    )
    assert (
        client.post("/idp/token", data=form, auth=(portal_env.oidc_client_id, secret)).status_code
        == 400
    )


def test_provider_requires_pkce(client):
    _, params = client.start()
    without = {k: v for k, v in params.items() if not k.startswith("code_challenge")}
    response = client.get("/idp/authorize", params=without)
    assert response.status_code == 302 and "error=invalid_request" in response.headers["location"]


def test_provider_refuses_a_foreign_redirect_uri(client):
    _, params = client.start()
    response = client.get(
        "/idp/authorize", params={**params, "redirect_uri": "https://evil.example/cb"}
    )
    assert response.status_code == 400 and "Ongeldig inlogverzoek" in response.text


def test_provider_discovery_and_keys(client, portal_env):
    meta = client.get("/idp/.well-known/openid-configuration").json()
    assert meta["issuer"] == builtin_idp.issuer_url(portal_env)
    assert meta["code_challenge_methods_supported"] == ["S256"]
    keys = client.get("/idp/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_signing_key_is_kept_private_in_the_data_dir(portal_env):
    path = portal_env.data_dir / "idp-signing-key.json"
    key = builtin_idp.signing_key(portal_env)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert builtin_idp.signing_key(portal_env).kid == key.kid
