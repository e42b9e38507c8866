"""The push channel: a client message goes to every device the client registered (an app's
FCM token, a browser's Web Push subscription). It counts as sent when one device accepted
it; devices the provider says are gone are forgotten; if none accepted and one failed for a
passing reason, the whole message is tried again later."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

from crm_platform.db import Database
from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.retries import DeliveryError
from notifications_svc.push.fcm import FcmClient
from notifications_svc.push.repository import PushRepository
from notifications_svc.push.webpush import WebPushClient

# a push is a glance: the rest of the text is in the portal inbox (Web Push payloads stay
# under the 4 kB a push service accepts once encrypted)
MAX_BODY_BYTES = 2_000


@dataclass(frozen=True)
class Target:
    id: uuid.UUID
    kind: str
    token: str
    p256dh: str | None
    auth: str | None


def shorten(text: str, limit: int = MAX_BODY_BYTES) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore").rstrip() + "..."


class PushChannel:
    name = "push"

    def __init__(
        self, database: Database, fcm: FcmClient | None, webpush: WebPushClient | None
    ) -> None:
        self.database = database
        self.fcm = fcm
        self.webpush = webpush

    async def _targets(self, client_id: uuid.UUID) -> list[Target]:
        async with self.database.unit_of_work() as session:
            rows = await PushRepository(session).devices(client_id)
            return [Target(d.id, d.kind, d.token, d.p256dh, d.auth) for d in rows]

    async def _forget(self, ids: list[uuid.UUID]) -> None:
        async with self.database.unit_of_work() as session:
            await PushRepository(session).forget(ids)

    async def _one(self, target: Target, message: Outgoing) -> str:
        body = shorten(message.text)
        if target.kind == "fcm" and self.fcm is not None:
            data = {"message_id": message.message_id, "client_id": message.address}
            return await self.fcm.send(target.token, message.subject, body, data)
        if target.kind == "webpush" and self.webpush is not None:
            payload = {
                "title": message.subject,
                "body": body,
                "message_id": message.message_id,
                "client_id": message.address,
            }
            encoded = json.dumps(payload, ensure_ascii=False).encode()
            return await self.webpush.send(
                target.token, target.p256dh or "", target.auth or "", encoded
            )
        raise DeliveryError(f"{target.kind} push is not configured", transient=False)

    async def _attempt(self, target: Target, message: Outgoing) -> str | DeliveryError:
        try:
            return await self._one(target, message)
        except DeliveryError as error:
            return error

    async def send(self, message: Outgoing) -> str:
        targets = await self._targets(uuid.UUID(message.address))
        if not targets:
            raise DeliveryError("no push device registered", transient=False)
        outcomes = await asyncio.gather(*(self._attempt(t, message) for t in targets))
        gone = [
            t.id
            for t, o in zip(targets, outcomes, strict=True)
            if isinstance(o, DeliveryError) and o.address_gone
        ]
        if gone:
            await self._forget(gone)
        accepted = [o for o in outcomes if isinstance(o, str)]
        if accepted:
            return ",".join(accepted)[:300]
        errors = [o for o in outcomes if isinstance(o, DeliveryError)]
        passing = [e for e in errors if e.transient]
        reason = "; ".join(e.reason for e in errors)[:500]
        if passing:
            waits = [e.wait_seconds for e in passing if e.wait_seconds is not None]
            raise DeliveryError(reason, transient=True, wait_seconds=max(waits, default=None))
        raise DeliveryError(reason, transient=False, address_gone=len(gone) == len(targets))
