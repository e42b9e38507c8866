"""What an app sends to register itself: an FCM registration token (Android, iOS), or a
browser's PushSubscription as its toJSON() gives it (endpoint and keys)."""

from __future__ import annotations

import binascii
import uuid
from datetime import datetime
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_platform.pagination import WholeList
from notifications_svc.push.webpush import b64url_decode

B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class DeviceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # one of the session's clients; the linked one by default
    client_id: uuid.UUID | None = None


class FcmDeviceWrite(DeviceBase):
    kind: Literal["fcm"]
    platform: Literal["android", "ios"]
    token: str = Field(min_length=20, max_length=4096, pattern=r"^[A-Za-z0-9_:.\-]+$")


class WebPushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(max_length=128, pattern=B64URL)
    auth: str = Field(max_length=64, pattern=B64URL)

    @field_validator("p256dh")
    @classmethod
    def _a_p256_point(cls, value: str) -> str:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(value))
        except (ValueError, binascii.Error) as exc:
            raise ValueError("not an uncompressed P-256 public key (base64url)") from exc
        return value

    @field_validator("auth")
    @classmethod
    def _sixteen_bytes(cls, value: str) -> str:
        try:
            raw = b64url_decode(value)
        except (ValueError, binascii.Error) as exc:
            raise ValueError("not base64url") from exc
        if len(raw) != 16:
            raise ValueError("the auth secret is 16 bytes (base64url)")
        return value


class WebPushSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=10, max_length=2000, pattern=r"^https?://")
    keys: WebPushKeys
    # the browser's own name for it
    expirationTime: float | None = None


class WebPushDeviceWrite(DeviceBase):
    kind: Literal["webpush"]
    subscription: WebPushSubscription


DeviceWrite = Annotated[FcmDeviceWrite | WebPushDeviceWrite, Field(discriminator="kind")]


class DeviceRead(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    platform: str
    created_at: datetime


class DevicesRead(WholeList):
    items: list[DeviceRead]
    # the applicationServerKey a browser subscribes with; None: Web Push is not set up
    vapid_public_key: str | None
