"""Tables of the journal context only.

Times of day are minutes since local midnight in the organisation's time zone and dates are
local dates: a lesson at 17:30 stays at 17:30 across a change to summer time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_messaging.tables import MessagingTables
from crm_platform.db import OptimisticVersions, UtcDateTime, new_metadata

TZ = UtcDateTime()
DEFAULT_MAKEUP_DAYS = 30


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()


class Organisation(Base):
    """What the journal needs of an organisation: learnt from identity events, plus its own
    journal settings (the make-up window)."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str | None] = mapped_column(String(3))
    makeup_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAKEUP_DAYS)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (Index("ix_rooms_tenant_branch", "tenant_id", "branch_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (Index("ix_groups_tenant_branch", "tenant_id", "branch_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str | None] = mapped_column(String(200))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class GroupTeacher(Base):
    __tablename__ = "group_teachers"
    __table_args__ = (Index("ix_group_teachers_tenant_teacher", "tenant_id", "teacher_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ScheduleSlot(Base):
    """One weekly time of a group: ISO weekday (1 = Monday), start and end minute."""

    __tablename__ = "schedule_slots"
    __table_args__ = (
        Index("ix_schedule_slots_tenant_room", "tenant_id", "room_id"),
        Index("ix_schedule_slots_tenant_teacher", "tenant_id", "teacher_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Lesson(Base):
    """One dated session of a group. teacher_id is who runs it (or ran it: a substitute).

    attended_count and marked_count follow the lesson's marks in the same transaction, so
    figures and pay add up lessons instead of scanning marks."""

    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_group_date", "group_id", "lesson_date"),
        Index("ix_lessons_tenant_date", "tenant_id", "lesson_date"),
        Index("ix_lessons_tenant_room_date", "tenant_id", "room_id", "lesson_date"),
        Index("ix_lessons_tenant_teacher_date", "tenant_id", "teacher_id", "lesson_date"),
        Index("ix_lessons_slot_date", "slot_id", "lesson_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"))
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_date: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # scheduled, one_off
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    attended_count: Mapped[int] = mapped_column(Integer, default=0)
    marked_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ix_enrolments_group_client", "group_id", "client_id"),
        Index("ix_enrolments_tenant_client", "tenant_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # left, archived, transferred
    transferred_from: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    transferred_to: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_group_status", "group_id", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))  # waiting, offered, enrolled, declined
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZ)
    offered_at: Mapped[datetime | None] = mapped_column(TZ)
    resolved_at: Mapped[datetime | None] = mapped_column(TZ)


class Mark(Base):
    """A cell of the journal. An excused mark carries the last day its make-up can be used;
    a make-up attendance points at the excused mark it makes up (each one at most once)."""

    __tablename__ = "marks"
    __table_args__ = (
        UniqueConstraint("lesson_id", "client_id", name="uq_marks_lesson_client"),
        UniqueConstraint("makeup_of", name="uq_marks_makeup_of"),
        Index("ix_marks_tenant_client_status", "tenant_id", "client_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id"))
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lesson_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    makeup_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("marks.id"))
    makeup_until: Mapped[date | None] = mapped_column(Date)
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[datetime] = mapped_column(TZ)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Comment(Base):
    """A comment on a client, a cell (lesson + client), a lesson or a group; always within a
    group, whose visibility it shares."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_group_lesson_client", "group_id", "lesson_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"))
    target: Mapped[str] = mapped_column(String(16))  # client, cell, lesson, group
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # action, information
    body: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(TZ)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    visible_to_client: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class ClientCard(Base):
    """The journal's copy of what a row shows: kept from clients and billing events."""

    __tablename__ = "client_cards"
    __table_args__ = (Index("ix_client_cards_family", "tenant_id", "family_id"),)

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    birthday: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(16))
    card_at: Mapped[datetime | None] = mapped_column(TZ)
    balance_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    balance_at: Mapped[datetime | None] = mapped_column(TZ)
    balance_sequence: Mapped[int | None] = mapped_column(BigInteger)  # billing's, see contracts
    # Sum of the classes left on the client's active packs (own and shared ones), kept from
    # billing's pack events; None until the journal has seen a pack of the client.
    classes_left: Mapped[int | None] = mapped_column(Integer)
    # The client's family (from clients events, the newest wins): whoever is in the family
    # of a shared pack's owner may use the pack, as billing decides.
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    family_at: Mapped[datetime | None] = mapped_column(TZ)
    # The client's home branch (from clients events): with the groups it is enrolled in, where
    # the client lives for the scope rule. A card without card_at was never registered.
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class SeatRelease(Base):
    """An enrolment whose until-date has passed, seen by the seat job: the row is the
    once-only guard (its primary key lets one transaction in, whatever restarts or however
    many journal processes run), committed with the offers it made."""

    __tablename__ = "seat_releases"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    released_on: Mapped[date] = mapped_column(Date)
    offered: Mapped[int] = mapped_column(Integer)
    processed_at: Mapped[datetime] = mapped_column(TZ)


class ClientPack(Base):
    """The journal's copy of one pack, replaced by each newer state billing publishes."""

    __tablename__ = "client_packs"
    __table_args__ = (Index("ix_client_packs_tenant_client", "tenant_id", "client_id"),)

    pack_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    classes_left: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state_at: Mapped[datetime] = mapped_column(TZ)


class PackMember(Base):
    """Another client who may use a shared pack (e.g. a family member)."""

    __tablename__ = "pack_members"
    __table_args__ = (Index("ix_pack_members_tenant_client", "tenant_id", "client_id"),)

    pack_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client_packs.pack_id"), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Branch(Base):
    """The organisation's branches (from identity events): a branch named in a body must be
    one of them."""

    __tablename__ = "branches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)


class StaffMember(Base):
    """Staff as identity last told (identity.access_changed, the newest wins): a teacher
    named in a body must be one of the organisation's staff."""

    __tablename__ = "staff_members"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: not yet told
    as_of: Mapped[datetime] = mapped_column(TZ)


class StaffGrant(Base):
    __tablename__ = "staff_grants"
    __table_args__ = (Index("ix_staff_grants_scope", "scope_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.user_id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # branch or group
    scope_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class PayRate(Base):
    """A teacher's rate from a day on: per lesson held plus per attendee (minor units)."""

    __tablename__ = "pay_rates"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "teacher_id", "effective_from", name="uq_pay_rates_teacher_from"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    effective_from: Mapped[date] = mapped_column(Date)
    per_lesson_minor: Mapped[int] = mapped_column(Integer)
    per_attendee_minor: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZ)


metadata = Base.metadata
messaging = MessagingTables(metadata)


class MakeupNotice(Base):
    """An excused absence whose soon-closing make-up window was announced: the row is the
    once-only guard, committed with the event."""

    __tablename__ = "makeup_notices"

    mark_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    noticed_at: Mapped[datetime] = mapped_column(TZ)
