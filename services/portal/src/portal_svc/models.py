"""Tables of the portal context only.

The `rm_*` tables are the portal's read models: copies of other contexts' data kept from their
events (readmodels.py), so the portal answers while those services are down. Each row keeps the
time of the event that set it (`*_at`): an older event delivered late changes nothing.
`event_log` keeps every event the portal consumed, so a read model can be rebuilt by replaying
them (rebuild.py).
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
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

import portal_svc.knowledge.tables  # noqa: F401  (its tables are in the metadata)
from crm_messaging.tables import MessagingTables
from crm_platform.idempotency import idempotency_table
from portal_svc.tables import TZ, Base


class EventLog(Base):
    """Every event the portal's consumer applied, in the order it arrived."""

    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_tenant_id_time", "tenant_id", "time"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    time: Mapped[datetime] = mapped_column(TZ)
    envelope: Mapped[str] = mapped_column(Text)


class SourceSeen(Base):
    """The newest event seen from each source context per organisation: an answer's `as_of`."""

    __tablename__ = "rm_sources"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_at: Mapped[datetime] = mapped_column(TZ)


class OverviewVersion(Base):
    """A counter per organisation, raised by every event projected into its read models (and
    by a message read): a cached overview of an older version is not served."""

    __tablename__ = "rm_versions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class Organisation(Base):
    __tablename__ = "rm_organisations"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    state_at: Mapped[datetime] = mapped_column(TZ)


class Branch(Base):
    """A branch of the organisation (identity's events, or a group or card naming it)."""

    __tablename__ = "rm_branches"
    __table_args__ = (Index("ix_rm_branches_tenant_id", "tenant_id"),)

    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Client(Base):
    """A client card as the portal shows it, its family, and its balance."""

    __tablename__ = "rm_clients"
    __table_args__ = (
        Index("ix_rm_clients_tenant_id_family_id", "tenant_id", "family_id"),
        Index("ix_rm_clients_tenant_id_email", "tenant_id", "email"),
        Index("ix_rm_clients_tenant_id_phone", "tenant_id", "phone"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str | None] = mapped_column(String(16))
    status_at: Mapped[datetime | None] = mapped_column(TZ)
    card_at: Mapped[datetime | None] = mapped_column(TZ)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    family_at: Mapped[datetime | None] = mapped_column(TZ)
    balance_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    balance_at: Mapped[datetime | None] = mapped_column(TZ)
    # billing's count of the balance's changes: a higher one is newer, whatever the times say
    balance_seq: Mapped[int | None] = mapped_column(Integer)


class Pack(Base):
    __tablename__ = "rm_packs"
    __table_args__ = (Index("ix_rm_packs_tenant_id_client_id", "tenant_id", "client_id"),)

    pack_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    classes_total: Mapped[int | None] = mapped_column(Integer)
    classes_left: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    state_at: Mapped[datetime] = mapped_column(TZ)


class PackMember(Base):
    """A client a pack is shared with by name (besides a shared pack's owner's family)."""

    __tablename__ = "rm_pack_members"
    __table_args__ = (Index("ix_rm_pack_members_tenant_id_client_id", "tenant_id", "client_id"),)

    pack_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Invoice(Base):
    __tablename__ = "rm_invoices"
    __table_args__ = (Index("ix_rm_invoices_tenant_id_client_id", "tenant_id", "client_id"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    description: Mapped[str] = mapped_column(String(500))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_until: Mapped[date | None] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(Integer)
    paid_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(TZ)
    state_at: Mapped[datetime] = mapped_column(TZ)


class Payment(Base):
    """A payment; `cancelled` may arrive before the payment itself (then the rest is empty)."""

    __tablename__ = "rm_payments"
    __table_args__ = (Index("ix_rm_payments_tenant_id_client_id", "tenant_id", "client_id"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    amount_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    method: Mapped[str | None] = mapped_column(String(16))
    paid_on: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class Group(Base):
    __tablename__ = "rm_groups"

    group_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    state_at: Mapped[datetime] = mapped_column(TZ)


class Enrolment(Base):
    __tablename__ = "rm_enrolments"
    __table_args__ = (Index("ix_rm_enrolments_tenant_id_client_id", "tenant_id", "client_id"),)

    enrolment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_date: Mapped[date | None] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)


class Lesson(Base):
    __tablename__ = "rm_lessons"
    __table_args__ = (Index("ix_rm_lessons_group_id_lesson_date", "group_id", "lesson_date"),)

    lesson_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[str] = mapped_column(String(5))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    state_at: Mapped[datetime] = mapped_column(TZ)


class Mark(Base):
    """An attendance mark; a removed mark stays as `removed` so a late older event is seen
    as older."""

    __tablename__ = "rm_marks"
    __table_args__ = (
        Index("ix_rm_marks_tenant_id_client_id", "tenant_id", "client_id"),
        Index("ix_rm_marks_makeup_of", "makeup_of"),
    )

    mark_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    makeup_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    makeup_until: Mapped[date | None] = mapped_column(Date)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    state_at: Mapped[datetime] = mapped_column(TZ)


class Comment(Base):
    """A journal comment the client may see (dropped when staff hide it again)."""

    __tablename__ = "rm_comments"
    __table_args__ = (Index("ix_rm_comments_tenant_id_group_id", "tenant_id", "group_id"),)

    comment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    target: Mapped[str] = mapped_column(String(16))
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Message(Base):
    """A message notifications handed to a client: the client's portal inbox."""

    __tablename__ = "rm_messages"
    __table_args__ = (
        Index("ix_rm_messages_tenant_id_client_id_sent_at", "tenant_id", "client_id", "sent_at"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(TZ)


class MessageRead(Base):
    """When the client read a message: the portal's own (kept across a rebuild)."""

    __tablename__ = "message_reads"

    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    read_at: Mapped[datetime] = mapped_column(TZ)


class ProfileRequest(Base):
    """A change of the card the client asked for: sent, then received by clients, then
    approved or rejected by staff (or refused when clients could not take it)."""

    __tablename__ = "profile_requests"
    __table_args__ = (Index("ix_profile_requests_tenant_id_client_id", "tenant_id", "client_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZ)
    decided_at: Mapped[datetime | None] = mapped_column(TZ)
    # the new email or phone not proven yet: the request waits ("confirming") until none is left
    unconfirmed: Mapped[list[str]] = mapped_column(JSON, default=list)


class ProvenContact(Base):
    """An email or phone the account proved with a code (identity.portal_contact_proven)."""

    __tablename__ = "proven_contacts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(String(320), primary_key=True)
    proven_at: Mapped[datetime] = mapped_column(TZ)


class MakeupRequest(Base):
    """A make-up the client asked the journal to book: pending until the journal answers
    (booked, refused), then cancelling and cancelled if the client takes it back. One make-up
    (absence) has at most one request that is not over."""

    __tablename__ = "makeup_requests"
    __table_args__ = (
        Index("ix_makeup_requests_tenant_id_client_id", "tenant_id", "client_id"),
        Index(
            "uq_makeup_requests_live_absence",
            "absence_mark_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'booked', 'cancelling')"),
            sqlite_where=text("status IN ('pending', 'booked', 'cancelling')"),
        ),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    absence_mark_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZ)
    decided_at: Mapped[datetime | None] = mapped_column(TZ)


metadata = Base.metadata
messaging = MessagingTables(metadata)
idempotency = idempotency_table(metadata)
