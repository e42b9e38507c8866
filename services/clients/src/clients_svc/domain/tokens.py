"""Opaque tokens (email confirmation, personal links): random 256 bits out, only their
SHA-256 kept."""

from __future__ import annotations

import hashlib
import secrets


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    """A long random token (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)
