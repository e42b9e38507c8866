"""Tables of the notifications context only.

Read models (organisations, clients, their groups, staff) are copies kept from other
contexts' events. `messages` is both the job queue and the head of the delivery log: one
row per reason x recipient x channel, its `dedup_key` unique, so a redelivered event, a
second replica or a restart can never queue a second letter for the same reason.
`message_attempts` is the log of what happened to it, one row per step.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, Uuid, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_messaging.tables import MessagingTables
from crm_platform.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
messaging = MessagingTables(metadata)

STATUSES = ("queued", "deferred", "sent", "failed", "skipped")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # quiet hours, channel order and the like; defaults in domain/
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    # only a confirmed address: an unconfirmed one is never written to
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(16))
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # the card's family (a portal account sets its members' preferences too)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    tag_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    # when clients bound that chat (None: bound before this was kept, or not bound)
    telegram_bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # the person blocked the bot (403): nothing more is sent to that chat
    telegram_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the event time of the state held; an older state delivered late is ignored
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class ClientGroup(Base):
    """A client's enrolment in a group, while it lasts."""

    __tablename__ = "client_groups"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Staff(Base):
    __tablename__ = "staff"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    # from identity.access_changed (None: not heard yet)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    organisation_wide: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    branch_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # the time of the access event kept (the newest wins; None: not heard yet)
    access_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    trigger: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    staff_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    address: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(16))
    # what the template is rendered with; a one-time token stays sealed in here
    variables: Mapped[dict[str, Any]] = mapped_column(JSON)
    # what the message is about, re-checked before sending (kind:id, e.g. due_item:...)
    source: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(300))
    template_version: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Attempt(Base):
    __tablename__ = "message_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class OptOut(Base):
    __tablename__ = "opt_outs"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Template(Base):
    """An organisation's own template for one trigger, channel and locale; each save is a
    new version, and a message records the version it was written with (0: shipped)."""

    __tablename__ = "templates"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class Balance(Base):
    """A client's balance as billing last said (negative: owes), to re-check a due reminder."""

    __tablename__ = "balances"

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    balance_minor: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    # billing's count of this balance's changes (BalanceChanged.sequence): the highest wins
    sequence: Mapped[int | None] = mapped_column(BigInteger)


class Invoice(Base):
    """An invoice's status as billing last said, to re-check a due reminder."""

    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class TelegramLink(Base):
    """A single-use, expiring /start payload that ties a Telegram chat to an organisation
    (and the client it was made for); only its hash is kept."""

    __tablename__ = "telegram_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the chat that opened it (waiting for its contact), then when it was used
    chat_id: Mapped[str | None] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Broadcast(Base):
    """A message staff send to many clients at once. Its audience is resolved when it is
    sent and its count frozen then; each recipient's message is a row of `messages`
    (source "broadcast:<id>")."""

    __tablename__ = "broadcasts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))  # all, tag, group, branch, client
    audience_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # sending, cancelled
    recipients: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PushDevice(Base):
    """Where a client's push messages go: an app's FCM registration token, or a browser's
    Web Push subscription (its endpoint and the keys its payloads are encrypted to). A
    family's shared phone may hold a row for each of its clients."""

    __tablename__ = "push_devices"
    __table_args__ = (Index("ux_push_devices_client_token", "client_id", "token", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # fcm, webpush
    platform: Mapped[str] = mapped_column(String(16))  # android, ios, web
    # the FCM registration token, or the Web Push endpoint
    token: Mapped[str] = mapped_column(Text)
    p256dh: Mapped[str | None] = mapped_column(String(128))
    auth: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
