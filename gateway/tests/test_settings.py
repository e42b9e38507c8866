"""Gateway settings: upstream addresses from the environment; no published keys in production."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from crm_platform.dev_keys import DEV_INTERNAL_PRIVATE_KEY
from crm_platform.settings import InsecureSettingsError
from gateway_app.settings import UPSTREAMS, GatewaySettings


def _real_key_pair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_defaults_point_at_the_local_ports() -> None:
    settings = GatewaySettings()
    assert settings.service_name == "gateway"
    assert settings.internal_token_private_key == DEV_INTERNAL_PRIVATE_KEY
    assert settings.upstream_urls() == {
        name: f"http://127.0.0.1:{port}"
        for name, port in zip(UPSTREAMS, range(8101, 8108), strict=True)
    }


def test_upstreams_come_from_gateway_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_BILLING_URL", "http://billing.internal:9000/")
    assert GatewaySettings().upstream_urls()["billing"] == "http://billing.internal:9000"


def test_an_upstream_must_be_an_http_url() -> None:
    with pytest.raises(ValidationError, match="identity_url"):
        GatewaySettings(identity_url="billing:9000")


def test_production_refuses_the_published_private_key() -> None:
    _, public = _real_key_pair()
    with pytest.raises(InsecureSettingsError, match="internal_token_private_key"):
        GatewaySettings(environment="production", internal_token_public_key=public)


def test_production_refuses_an_empty_private_key() -> None:
    _, public = _real_key_pair()
    with pytest.raises(InsecureSettingsError, match="internal_token_private_key"):
        GatewaySettings(
            environment="production",
            internal_token_public_key=public,
            internal_token_private_key="",
        )


def test_production_accepts_real_keys() -> None:
    private, public = _real_key_pair()
    settings = GatewaySettings(
        environment="production",
        internal_token_public_key=public,
        internal_token_private_key=private,
    )
    assert settings.internal_token_private_key == private


def test_development_accepts_the_published_private_key() -> None:
    assert GatewaySettings(environment="development").internal_token_private_key
