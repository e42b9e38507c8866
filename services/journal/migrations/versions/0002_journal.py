"""Organisations, rooms, groups, schedules, lessons, enrolments, waitlists, marks, comments,
client cards and pay rates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _tenant() -> sa.Column[object]:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "organisations",
        _id(),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("makeup_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "rooms",
        _id(),
        _tenant(),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_rooms_tenant_branch", "rooms", ["tenant_id", "branch_id"])
    op.create_table(
        "groups",
        _id(),
        _tenant(),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("programme", sa.String(200), nullable=True),
        sa.Column("room_id", sa.Uuid(), sa.ForeignKey("rooms.id"), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_groups_tenant_branch", "groups", ["tenant_id", "branch_id"])
    op.create_table(
        "group_teachers",
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), primary_key=True),
        sa.Column("teacher_id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_group_teachers_tenant_teacher", "group_teachers", ["tenant_id", "teacher_id"]
    )
    op.create_table(
        "schedule_slots",
        _id(),
        _tenant(),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_schedule_slots_group_id", "schedule_slots", ["group_id"])
    op.create_index("ix_schedule_slots_tenant_room", "schedule_slots", ["tenant_id", "room_id"])
    op.create_index(
        "ix_schedule_slots_tenant_teacher", "schedule_slots", ["tenant_id", "teacher_id"]
    )
    op.create_table(
        "lessons",
        _id(),
        _tenant(),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
        sa.Column("slot_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("attended_count", sa.Integer(), nullable=False),
        sa.Column("marked_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_lessons_group_date", "lessons", ["group_id", "lesson_date"])
    op.create_index("ix_lessons_tenant_date", "lessons", ["tenant_id", "lesson_date"])
    op.create_index(
        "ix_lessons_tenant_room_date", "lessons", ["tenant_id", "room_id", "lesson_date"]
    )
    op.create_index(
        "ix_lessons_tenant_teacher_date", "lessons", ["tenant_id", "teacher_id", "lesson_date"]
    )
    op.create_index("ix_lessons_slot_date", "lessons", ["slot_id", "lesson_date"])
    op.create_table(
        "enrolments",
        _id(),
        _tenant(),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("transferred_from", sa.Uuid(), nullable=True),
        sa.Column("transferred_to", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_enrolments_group_client", "enrolments", ["group_id", "client_id"])
    op.create_index("ix_enrolments_tenant_client", "enrolments", ["tenant_id", "client_id"])
    op.create_table(
        "waitlist_entries",
        _id(),
        _tenant(),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("offered_at", TZ, nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
    )
    op.create_index(
        "ix_waitlist_group_status", "waitlist_entries", ["group_id", "status", "created_at"]
    )
    op.create_table(
        "marks",
        _id(),
        _tenant(),
        sa.Column("lesson_id", sa.Uuid(), sa.ForeignKey("lessons.id"), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("makeup_of", sa.Uuid(), sa.ForeignKey("marks.id"), nullable=True),
        sa.Column("makeup_until", sa.Date(), nullable=True),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("lesson_id", "client_id", name="uq_marks_lesson_client"),
        sa.UniqueConstraint("makeup_of", name="uq_marks_makeup_of"),
    )
    op.create_index("ix_marks_tenant_client_status", "marks", ["tenant_id", "client_id", "status"])
    op.create_table(
        "comments",
        _id(),
        _tenant(),
        sa.Column("group_id", sa.Uuid(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("visible_to_client", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_comments_group_lesson_client", "comments", ["group_id", "lesson_id", "client_id"]
    )
    op.create_table(
        "client_cards",
        sa.Column("client_id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("first_name", sa.String(200), nullable=True),
        sa.Column("last_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("card_at", TZ, nullable=True),
        sa.Column("balance_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("balance_at", TZ, nullable=True),
        sa.Column("classes_left", sa.Integer(), nullable=True),
    )
    op.create_index("ix_client_cards_tenant_id", "client_cards", ["tenant_id"])
    op.create_table(
        "pay_rates",
        _id(),
        _tenant(),
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("per_lesson_minor", sa.Integer(), nullable=False),
        sa.Column("per_attendee_minor", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "teacher_id", "effective_from", name="uq_pay_rates_teacher_from"
        ),
    )


def downgrade() -> None:
    for table in (
        "pay_rates",
        "client_cards",
        "comments",
        "marks",
        "waitlist_entries",
        "enrolments",
        "lessons",
        "schedule_slots",
        "group_teachers",
        "groups",
        "rooms",
        "organisations",
    ):
        op.drop_table(table)
