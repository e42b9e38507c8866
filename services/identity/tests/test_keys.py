"""Signing-key rotation: the next key is published before it signs; old keys stay until
their tokens expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from identity_svc.tokens.keys import KeyRing, Keys


def make_keys() -> Keys:
    return Keys(
        Fernet.generate_key().decode(),
        token_ttl=timedelta(minutes=15),
        publish_ahead=timedelta(minutes=10),
        lifetime=timedelta(days=30),
    )


def test_ring_publishes_next_key_early_and_keeps_retired_until_tokens_expire() -> None:
    keys = make_keys()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = keys._record(keys._new_row(t0, t0))
    rotated_at = t0 + timedelta(days=31)
    second_row = keys._new_row(rotated_at, rotated_at + keys.publish_ahead)
    second = keys._record(second_row)
    retired_first = first.__class__(
        first.kid, first.private, first.public_jwk, first.signs_from, second.signs_from
    )
    ring = KeyRing([retired_first, second], keys.token_ttl)

    just_after_rotation = rotated_at + timedelta(minutes=1)
    assert ring.signing_key(just_after_rotation).kid == first.kid  # type: ignore[union-attr]
    assert [k["kid"] for k in ring.published(just_after_rotation)] == [first.kid, second.kid]

    switched = second.signs_from + timedelta(seconds=1)
    assert ring.signing_key(switched).kid == second.kid  # type: ignore[union-attr]
    assert [k["kid"] for k in ring.published(switched)] == [first.kid, second.kid]

    after_last_old_token = second.signs_from + keys.token_ttl + timedelta(seconds=1)
    assert [k["kid"] for k in ring.published(after_last_old_token)] == [second.kid]


def test_private_keys_are_encrypted_at_rest_and_public_jwk_has_no_private_part() -> None:
    keys = make_keys()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = keys._new_row(now, now)
    assert b"PRIVATE KEY" not in row.private_key
    assert '"d"' not in row.public_jwk
    assert keys._record(row).public_jwk["kty"] == "OKP"
