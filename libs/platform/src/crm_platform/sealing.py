"""Secrets sealed for one reader: HPKE (RFC 9180, X25519 + HKDF-SHA256 + AES-128-GCM).

Identity and clients seal an invitation, reset or confirmation token to the public key of
notifications before it goes into an event, so the outbox row, the queue message and any
log of either only ever hold ciphertext; notifications opens it in memory when it writes
the letter. The `purpose` is bound as HPKE info: a token sealed as a reset cannot be
opened as an invitation.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
_INFO = b"crm-seal-v1:"


class SealError(ValueError):
    pass


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
    except ValueError as exc:
        raise SealError("not base64") from exc


def seal(public_key: str, purpose: str, secret: str) -> str:
    """`secret` sealed to the base64 X25519 public key, as URL-safe base64."""
    key = X25519PublicKey.from_public_bytes(_decode(public_key))
    sealed = _SUITE.encrypt(secret.encode(), key, info=_INFO + purpose.encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


class Opener:
    """Holds the private key; opens what was sealed to its public key."""

    def __init__(self, private_key: str) -> None:
        self._key = X25519PrivateKey.from_private_bytes(_decode(private_key))

    def open(self, purpose: str, sealed: str) -> str:
        try:
            return _SUITE.decrypt(
                _decode(sealed), self._key, info=_INFO + purpose.encode()
            ).decode()
        except (InvalidTag, ValueError) as exc:
            raise SealError("cannot open this sealed value") from exc
