"""One-click unsubscribe links: the message's id and an HMAC of it, nothing else to store."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid


class UnsubscribeTokens:
    def __init__(self, secret: str, public_url: str) -> None:
        self._key = hashlib.sha256(b"unsubscribe:" + secret.encode()).digest()
        self.public_url = public_url.rstrip("/")

    def _mac(self, message_id: uuid.UUID) -> bytes:
        return hmac.new(self._key, message_id.bytes, hashlib.sha256).digest()[:16]

    def token(self, message_id: uuid.UUID) -> str:
        raw = message_id.bytes + self._mac(message_id)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def url(self, message_id: uuid.UUID) -> str:
        return f"{self.public_url}/api/v1/notifications/unsubscribe/{self.token(message_id)}"

    def message_of(self, token: str) -> uuid.UUID | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            return None
        if len(raw) != 32:
            return None
        message_id = uuid.UUID(bytes=raw[:16])
        return message_id if hmac.compare_digest(raw[16:], self._mac(message_id)) else None
