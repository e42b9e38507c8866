"""Tables of the clients context only.

Besides its own cards, tags, families, leads, links and tasks, the context keeps small read
models built from other contexts' events: organisations (plan, time zone), branches and
staff from identity, groups and memberships from the journal, and each client's balance
from billing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_messaging.tables import MessagingTables
from crm_platform.db import OptimisticVersions, UtcDateTime, new_metadata

TZ = UtcDateTime()


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()


class Organisation(Base):
    """From identity events: the plan decides how many active clients are allowed."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    plan: Mapped[str] = mapped_column(String(32), default="free")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The plan's limit of active clients (None: no limit), and when identity said so.
    max_active_clients: Mapped[int | None] = mapped_column(Integer)
    plan_as_of: Mapped[datetime | None] = mapped_column(TZ)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_tenant_id_id", "tenant_id", "id"),
        Index("ix_clients_tenant_id_status_id", "tenant_id", "status", "id"),
        Index("ix_clients_tenant_id_email", "tenant_id", "email"),
        Index("ix_clients_tenant_id_phone", "tenant_id", "phone"),
        Index("ix_clients_family_id", "family_id"),
        Index("ix_clients_email_token_hash", "email_token_hash"),
        Index(
            "ix_clients_frozen_until",
            "frozen_until",
            postgresql_where=text("status = 'frozen'"),
            sqlite_where=text("status = 'frozen'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Lower-cased "first last email" for name search (a trigram index on PostgreSQL).
    search_name: Mapped[str] = mapped_column(String(520))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    phone_digits: Mapped[str | None] = mapped_column(String(20))  # E.164 without the "+"
    email: Mapped[str | None] = mapped_column(String(320))  # lower-cased
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    email_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    email_token_expires_at: Mapped[datetime | None] = mapped_column(TZ)
    birthday: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lead_source: Mapped[str | None] = mapped_column(String(100))
    # the language of the client's messages (None: the organisation's)
    locale: Mapped[str | None] = mapped_column(String(16))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active")
    frozen_from: Mapped[date | None] = mapped_column(Date)
    frozen_until: Mapped[date | None] = mapped_column(Date)
    freeze_reason: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime | None] = mapped_column(TZ)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    balance_minor: Mapped[int | None] = mapped_column(BigInteger)
    balance_currency: Mapped[str | None] = mapped_column(String(3))
    balance_as_of: Mapped[datetime | None] = mapped_column(TZ)  # the event's time
    balance_sequence: Mapped[int | None] = mapped_column(BigInteger)  # billing's, see contracts
    # PostgreSQL only: a copy of client_tags for indexed any/all-tags search with the name
    # search in one bitmap (GIN). SQLite filters through client_tags and leaves this empty.
    tag_ids: Mapped[list[uuid.UUID] | None] = mapped_column(
        ARRAY(Uuid).with_variant(JSON(), "sqlite"), default=None
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key", name="uq_tags_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))  # case-folded, for uniqueness
    created_at: Mapped[datetime] = mapped_column(TZ)


class ClientTag(Base):
    __tablename__ = "client_tags"
    __table_args__ = (Index("ix_client_tags_tag_id_client_id", "tag_id", "client_id"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )


class CustomField(Base):
    """A field an organisation adds to every card: text, number, date, yes/no or a choice."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_custom_fields_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Family(Base):
    __tablename__ = "families"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    payer_client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Branch(Base):
    """From identity events: the organisation's branches (a branch named in a body must be
    one of them)."""

    __tablename__ = "branches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)


class Group(Base):
    """From journal events: which branch a group is in."""

    __tablename__ = "groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))


class StaffMember(Base):
    """From identity.access_changed (the newest wins): the organisation's staff and where
    each works, so an assignee named in a body can be checked against the caller's scope."""

    __tablename__ = "staff_members"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # invited, active, deactivated
    organisation_wide: Mapped[bool] = mapped_column(Boolean)
    branch_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    group_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    as_of: Mapped[datetime] = mapped_column(TZ)


class Membership(Base):
    """From journal enrolment events: a client in a group from a date, until a date."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("ix_memberships_client_id", "client_id"),
        Index("ix_memberships_tenant_id_group_id", "tenant_id", "group_id"),
        Index("ix_memberships_tenant_id_branch_id", "tenant_id", "branch_id"),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16), default="new")
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class PersonalLink(Base):
    """The anonymous personal link: only a digest of the token is kept."""

    __tablename__ = "personal_links"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)


class MessengerBinding(Base):
    __tablename__ = "messenger_bindings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clients.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZ)


class Task(Base):
    """Staff work on a client: a call on a date, or another task, with an assignee."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_client_id", "client_id"),
        Index("ix_tasks_tenant_id_assignee_id", "tenant_id", "assignee_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(16))  # call, task
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, cancelled
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class HistoryEntry(Base):
    """One line of a client's history. Ids are UUIDv7 of when it happened: newest first by id."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_client_id_id", "client_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    section: Mapped[str] = mapped_column(String(16))  # visits, finances, events, other
    kind: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(TZ)


class PortalSignupReview(Base):
    """A portal sign-up whose proven email or phone is on several active cards: staff link
    the account to the right one (open -> linked), or it closes when a later sign-up of the
    same account is decided otherwise."""

    __tablename__ = "portal_signup_reviews"
    __table_args__ = (Index("ix_portal_signup_reviews_tenant_id_status", "tenant_id", "status"),)

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    login: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(8))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # open, linked, closed
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZ)
    decided_at: Mapped[datetime | None] = mapped_column(TZ)


class ProfileRequest(Base):
    """A client's request, from the portal, to change their card; staff approve or reject."""

    __tablename__ = "profile_requests"
    __table_args__ = (Index("ix_profile_requests_tenant_id_status", "tenant_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZ)
    decided_at: Mapped[datetime | None] = mapped_column(TZ)


metadata = Base.metadata
messaging = MessagingTables(metadata)
