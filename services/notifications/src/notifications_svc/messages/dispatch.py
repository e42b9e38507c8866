"""From a reason to send (an event, a rule's occurrence) to queued messages, one per
recipient and channel, each held unique by its dedup key. What cannot be sent is written
down as skipped, with why, so the log shows every reason that arrived."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.ids import uuid7
from notifications_svc.context import Context
from notifications_svc.domain.triggers import (
    DEFAULT_CHANNEL_ORDER,
    DEFAULT_DAILY_NEWS_CAP,
    DEFAULT_SMS_MONTHLY_CAP,
    TRIGGERS,
    dedup_key,
)
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client
from notifications_svc.sending.wakeup import wake_senders


@dataclass(frozen=True)
class Recipient:
    """A client (looked up in the read model), or a person known only by address."""

    client_id: uuid.UUID | None = None
    staff_user_id: uuid.UUID | None = None
    email: str | None = None
    phone: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Reason:
    tenant_id: uuid.UUID
    trigger: str
    occurrence: str
    recipient: Recipient
    variables: dict[str, Any] = field(default_factory=dict)
    # what to re-check before sending (e.g. "invoice:<id>", "broadcast:<id>")
    source: str | None = None
    # not to be sent before (a broadcast's throttle)
    not_before: datetime | None = None


def reachable(client: Client, channel: str) -> str | None:
    """The client's address on `channel`, if it has a live one."""
    if channel == "email":
        return client.email
    if channel == "telegram" and not client.telegram_blocked:
        return client.telegram_chat_id
    if channel == "sms":  # whether the organisation allows it is decided when queued
        return client.phone
    return None


def wake_after_commit(session: AsyncSession) -> None:
    event.listen(session.sync_session, "after_commit", lambda _: wake_senders(), once=True)


class Dispatch:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = MessagesRepository(ctx.session)
        self._waking = False

    async def first_reachable(
        self, client: Client, category: str, order: Sequence[str]
    ) -> tuple[str, str | None, str | None]:
        """The first channel with an address the client has not opted out of (for a message
        of `category`): its name, the address, and why none if none."""
        opted_out = False
        capped = False
        for channel in order:
            if channel == "sms":
                sms = await self._sms_allowed(client.tenant_id) if client.phone else None
                capped = capped or sms is False
                address = client.phone if sms else None
            elif channel == "push":
                # the push channel finds the client's devices by the client's id
                address = str(client.id) if await self.repo.has_push_device(client.id) else None
            else:
                address = reachable(client, channel)
            if address is None:
                continue
            if category != "transactional" and await self.repo.opted_out(
                client.id, category, channel
            ):
                opted_out = True
                continue
            return channel, address, None
        why = (
            "opted out"
            if opted_out
            else "monthly SMS cap reached"
            if capped
            else "no address: no confirmed email or bound chat"
        )
        return "email", client.email, why

    async def _sms_allowed(self, tenant_id: uuid.UUID) -> bool | None:
        """None: the organisation has not turned SMS on; False: its monthly cap is reached."""
        org = await self.repo.organisation(tenant_id)
        settings = org.settings if org else {}
        if not settings.get("sms_enabled"):
            return None
        cap = int(settings.get("sms_monthly_cap", DEFAULT_SMS_MONTHLY_CAP))
        month = self.ctx.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return await self.repo.sms_count(tenant_id, month) < cap

    async def enqueue(self, reason: Reason) -> uuid.UUID | None:
        """Queues (or records as skipped) the message for this reason; None if it already
        exists."""
        row = await self._row(reason)
        added = await self.repo.add_unique(row)
        if added is None:
            return None
        self._queued(row)
        return added

    async def enqueue_many(self, reasons: Sequence[Reason]) -> int:
        """`enqueue` for many reasons at once (a broadcast): what is asked about each
        client is loaded beforehand, the messages inserted in a few statements. How many
        were new."""
        clients = [r.recipient.client_id for r in reasons if r.recipient.client_id]
        await self.repo.learn(clients, self._news_since())
        rows = [await self._row(reason) for reason in reasons]
        added = await self.repo.add_many_unique(rows)
        async with self.repo.logging_together():
            for row in rows:
                if row["id"] in added:
                    self._queued(row)
        return len(added)

    def _queued(self, row: dict[str, Any]) -> None:
        self.repo.log(row["id"], row["created_at"], row["status"], row["reason"])
        if row["reason"] is None and not self._waking:
            self._waking = True
            wake_after_commit(self.ctx.session)

    def _news_since(self) -> datetime:
        """The daily cap's window: the one loaded for a batch, else the last day."""
        known = self.repo.known
        if known is not None and known.news_since is not None:
            return known.news_since
        return self.ctx.now() - timedelta(days=1)

    async def _row(self, reason: Reason) -> dict[str, Any]:
        """The message for this reason, queued or skipped with why."""
        trigger = TRIGGERS[reason.trigger]
        now = self.ctx.now()
        who = reason.recipient
        org = await self.repo.organisation(reason.tenant_id)
        client = await self.repo.client(who.client_id) if who.client_id else None
        locale = (client.locale if client else None) or (org.locale if org else None) or "en"
        address = who.email
        channel = "email"
        skip: str | None = None
        name = who.name
        first_name = name.split(" ")[0] if name else ""
        if trigger.audience == "client":
            if client is None or client.tenant_id != reason.tenant_id:
                skip = "no address: the client is not known here yet"
            else:
                first_name, name = client.first_name, f"{client.first_name} {client.last_name}"
                if client.status == "archived":
                    skip = "client archived"
                else:
                    order = (org.settings if org else {}).get("channel_order")
                    channel, address, skip = await self.first_reachable(
                        client, trigger.category, order or DEFAULT_CHANNEL_ORDER
                    )
        else:
            if client is not None:
                first_name = client.first_name
            if not address and who.phone:
                sms = await self._sms_allowed(reason.tenant_id)
                if sms:
                    channel, address = "sms", who.phone
                else:
                    skip = "no address: SMS is off" if sms is None else "monthly SMS cap reached"
            elif not address:
                skip = "no address"
        optional = trigger.category != "transactional"
        if (
            skip is None
            and trigger.audience != "client"
            and who.client_id
            and optional
            and await self.repo.opted_out(who.client_id, trigger.category, channel)
        ):
            skip = "opted out"
        if skip is None and trigger.category == "news" and who.client_id is not None:
            cap = int((org.settings if org else {}).get("daily_news_cap", DEFAULT_DAILY_NEWS_CAP))
            if await self.repo.news_count(who.client_id, self._news_since()) >= cap:
                skip = f"daily cap reached ({cap} a day)"
        recipient_key = str(who.client_id or who.staff_user_id or (address or "").lower())
        return {
            "id": uuid7(),
            "tenant_id": reason.tenant_id,
            "dedup_key": dedup_key(reason.trigger, reason.occurrence, recipient_key, channel),
            "trigger": reason.trigger,
            "category": trigger.category,
            "channel": channel,
            "client_id": who.client_id,
            "staff_user_id": who.staff_user_id,
            "branch_id": client.branch_id if client else None,
            "address": address,
            "locale": locale,
            "variables": {"first_name": first_name, "name": name} | reason.variables,
            "source": reason.source,
            "status": "skipped" if skip else "queued",
            "reason": skip,
            "attempts": 0,
            "next_attempt_at": None if skip else max(now, reason.not_before or now),
            "created_at": now,
            "updated_at": now,
        }
