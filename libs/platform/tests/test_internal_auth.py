"""Services accept only the gateway's internal token, for their own audience."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OKPKey

from crm_platform.dev_keys import DEV_INTERNAL_PRIVATE_KEY, DEV_INTERNAL_PUBLIC_KEY
from crm_platform.errors import ProblemError, install_problem_handlers
from crm_platform.internal_auth import (
    HEADER,
    INTERNAL_TOKEN_TYP,
    InternalTokenSigner,
    InternalTokenVerifier,
    Principal,
    PrincipalDep,
)

TENANT = uuid.uuid4()
GROUP = uuid.uuid4()
PRINCIPAL = Principal(
    tenant_id=TENANT, subject="user-1", realm="staff", role="teacher", group_ids=frozenset({GROUP})
)
signer = InternalTokenSigner(DEV_INTERNAL_PRIVATE_KEY, issuer="crm-gateway")


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.internal_verifier = InternalTokenVerifier(
        DEV_INTERNAL_PUBLIC_KEY, issuer="crm-gateway", audience="billing"
    )

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict[str, object]:
        return {"tenant": str(principal.tenant_id), "groups": sorted(map(str, principal.group_ids))}

    return app


client = TestClient(make_app())


def other_key_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_gateway_token_for_this_service_is_accepted_with_its_scope() -> None:
    response = client.get("/me", headers={HEADER: signer.sign(PRINCIPAL, "billing")})
    assert response.status_code == 200
    assert response.json() == {"tenant": str(TENANT), "groups": [str(GROUP)]}


def _claims(**override: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = PRINCIPAL.to_claims() | {
        "iss": "crm-gateway",
        "aud": "billing",
        "iat": now,
        "exp": now + 60,
    }
    claims.update(override)
    return claims


def _signed(
    claims: dict[str, object], key_pem: str = DEV_INTERNAL_PRIVATE_KEY, **header: str
) -> str:
    head = {"alg": "Ed25519", "typ": INTERNAL_TOKEN_TYP} | header
    return jwt.encode(head, claims, OKPKey.import_key(key_pem), algorithms=["Ed25519"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_with_public_key() -> str:
    """The classic key-confusion forgery, built by hand (JOSE libraries refuse to make it)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": INTERNAL_TOKEN_TYP}).encode())
    body = _b64(json.dumps(_claims()).encode())
    mac = hmac.new(DEV_INTERNAL_PUBLIC_KEY.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{_b64(mac.digest())}"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="no token: called without the gateway"),
        pytest.param(signer.sign(PRINCIPAL, "journal"), id="token for another service"),
        pytest.param(_signed(_claims(iss="someone")), id="wrong issuer"),
        pytest.param(_signed(_claims(exp=int(time.time()) - 5)), id="expired"),
        pytest.param(_signed(_claims(), other_key_pem()), id="signed by another key"),
        pytest.param(_signed(_claims(), typ="JWT"), id="not an internal token type"),
        pytest.param(_hs256_with_public_key(), id="HS256 with the public key as secret"),
        pytest.param("e30.e30.", id="alg none"),
        pytest.param("garbage", id="not a JWT"),
    ],
)
def test_anything_but_a_valid_gateway_token_is_401(token: str | None) -> None:
    headers = {HEADER: token} if token else {}
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_tampered_payload_is_401() -> None:
    header, _, signature = signer.sign(PRINCIPAL, "billing").split(".")
    other = signer.sign(
        Principal(tenant_id=uuid.uuid4(), subject="user-1", realm="staff"), "billing"
    ).split(".")[1]
    response = client.get("/me", headers={HEADER: f"{header}.{other}.{signature}"})
    assert response.status_code == 401


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    now = [time.time()]
    verifier = InternalTokenVerifier(
        DEV_INTERNAL_PUBLIC_KEY, issuer="crm-gateway", audience="billing", clock=lambda: now[0]
    )
    token = signer.sign(PRINCIPAL, "billing")
    assert verifier.verify(token) == PRINCIPAL
    assert verifier.verify(token) == PRINCIPAL  # remembered
    now[0] += 3600
    with pytest.raises(ProblemError) as refused:
        verifier.verify(token)
    assert refused.value.status == 401


def test_remembering_one_token_does_not_let_a_tampered_copy_through() -> None:
    verifier = InternalTokenVerifier(
        DEV_INTERNAL_PUBLIC_KEY, issuer="crm-gateway", audience="billing"
    )
    token = signer.sign(PRINCIPAL, "billing")
    assert verifier.verify(token) == PRINCIPAL
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "owner"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(ProblemError) as refused:
        verifier.verify(f"{header}.{forged}.{signature}")
    assert refused.value.status == 401
