"""Web Push (RFC 8030) to a browser's subscription: the payload encrypted to the browser's
keys as aes128gcm (RFC 8291, http_ece) and the request signed with our VAPID key (RFC 8292,
py_vapid: `Authorization: vapid t=<JWT>, k=<public key>`). 404 and 410 mean the
subscription is gone; 429 and 5xx are tried again later."""

from __future__ import annotations

import base64
import os
import time
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02

from notifications_svc.domain.retries import DeliveryError
from notifications_svc.push.fcm import b64url, retry_after

# how long the push service keeps a message for a browser that is offline
TTL_SECONDS = 4 * 24 * 3600


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_public_key(private_key: str) -> str:
    """The applicationServerKey a browser subscribes with (base64url, uncompressed point)."""
    key = Vapid02.from_string(private_key).public_key
    return b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


class WebPushClient:
    def __init__(self, private_key: str, subject: str, timeout: float = 10.0) -> None:
        self.vapid = Vapid02.from_string(private_key)
        self.public_key = vapid_public_key(private_key)
        self.subject = subject
        self.http = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def close(self) -> None:
        await self.http.aclose()

    def encrypt(self, payload: bytes, p256dh: str, auth: str) -> bytes:
        ephemeral = ec.generate_private_key(ec.SECP256R1())
        encrypted: bytes = http_ece.encrypt(
            payload,
            salt=os.urandom(16),
            private_key=ephemeral,
            dh=b64url_decode(p256dh),
            auth_secret=b64url_decode(auth),
            version="aes128gcm",
        )
        return encrypted

    async def send(self, endpoint: str, p256dh: str, auth: str, payload: bytes) -> str:
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + 12 * 3600,
            "sub": self.subject,
        }
        headers: dict[str, str] = dict(self.vapid.sign(claims))
        headers |= {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
        }
        body = self.encrypt(payload, p256dh, auth)
        try:
            response = await self.http.post(endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            reason = f"push service unreachable: {type(exc).__name__}"
            raise DeliveryError(reason, transient=True) from exc
        status = response.status_code
        if status in (200, 201, 202):
            return str(response.headers.get("location", ""))
        reason = f"push service {status}: {response.text[:200]}"
        if status in (404, 410):
            raise DeliveryError(reason, transient=False, address_gone=True)
        transient = status == 429 or status >= 500
        raise DeliveryError(reason, transient=transient, wait_seconds=retry_after(response))
