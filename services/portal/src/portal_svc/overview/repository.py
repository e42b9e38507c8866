"""The overview's queries, each scoped by the organisation and the one client asked about.

On PostgreSQL `everything` asks them all in one statement (one round trip, no ORM work per
row); elsewhere it asks them one by one. tests/test_overview_statement.py holds the two to
the same rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from crm_platform.db import pg_connection
from portal_svc.messages.repository import MessagesRepository
from portal_svc.models import Enrolment, Group, Invoice, Lesson, Mark, Pack, PackMember
from portal_svc.repository import SOURCES, Shared

NEXT_LESSONS = 5


class CardRow(NamedTuple):
    first_name: str | None
    last_name: str | None
    balance_minor: int | None
    currency: str | None


class PackRow(NamedTuple):
    pack_id: uuid.UUID
    client_id: uuid.UUID
    name: str
    kind: str
    classes_total: int | None
    classes_left: int | None
    starts_on: date
    ends_on: date | None
    shared: bool


class LessonRow(NamedTuple):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    lesson_date: date
    starts_at: str
    duration_minutes: int
    group_name: str | None


class InvoiceRow(NamedTuple):
    invoice_id: uuid.UUID
    description: str
    amount_minor: int
    paid_minor: int
    currency: str
    due_on: date
    period_from: date | None
    period_until: date | None


class CreditRow(NamedTuple):
    mark_id: uuid.UUID
    group_id: uuid.UUID
    lesson_date: date
    makeup_until: date | None
    group_name: str | None


@dataclass(frozen=True)
class Everything:
    """What the overview shows of one client, as the read models have it."""

    card: CardRow | None
    as_of: dict[str, datetime | None]
    packs: list[PackRow]
    next_lessons: list[LessonRow]  # at most NEXT_LESSONS, soonest first
    planned_makeups: list[LessonRow]
    open_invoices: list[InvoiceRow]
    makeup_credits: list[CreditRow]
    unread_messages: int


# $1 organisation, $2 client, $3 its family (the allowed set), $4 today, $5 NEXT_LESSONS,
# $6 SOURCES: the queries of the methods below, each a column.
EVERYTHING_SQL = """
SELECT
  (SELECT ROW(c.first_name, c.last_name, c.balance_minor, c.currency)
     FROM rm_clients c WHERE c.client_id = $2 AND c.tenant_id = $1) AS card,
  ARRAY(SELECT ROW(s.source, s.last_event_at) FROM rm_sources s
     WHERE s.tenant_id = $1 AND s.source = ANY($6::text[])) AS seen,
  ARRAY(SELECT ROW(p.pack_id, p.client_id, p.name, p.kind, p.classes_total, p.classes_left,
                   p.starts_on, p.ends_on, p.shared)
     FROM rm_packs p
     WHERE p.tenant_id = $1 AND p.status = 'active' AND (p.ends_on IS NULL OR p.ends_on >= $4)
       AND p.pack_id IN (
         SELECT o.pack_id FROM rm_packs o WHERE o.tenant_id = $1 AND o.client_id = $2
         UNION ALL
         SELECT n.pack_id FROM rm_pack_members n WHERE n.tenant_id = $1 AND n.client_id = $2
         UNION ALL
         SELECT f.pack_id FROM rm_packs f
           WHERE f.tenant_id = $1 AND f.client_id = ANY($3::uuid[]) AND f.shared)
     ORDER BY p.ends_on NULLS LAST, p.pack_id) AS packs,
  ARRAY(SELECT ROW(n.lesson_id, n.group_id, n.lesson_date, n.starts_at, n.duration_minutes, g.name)
     FROM (
       SELECT DISTINCT l.lesson_id, l.group_id, l.lesson_date, l.starts_at, l.duration_minutes
       FROM rm_enrolments e JOIN rm_lessons l ON l.group_id = e.group_id
       WHERE e.tenant_id = $1 AND e.client_id = $2
         AND (e.from_date IS NULL OR e.from_date <= l.lesson_date)
         AND (e.until_date IS NULL OR e.until_date >= l.lesson_date)
         AND l.tenant_id = $1 AND l.lesson_date >= $4 AND l.cancelled IS false
       ORDER BY l.lesson_date, l.starts_at, l.lesson_id LIMIT $5) AS n
     LEFT JOIN rm_groups g ON g.group_id = n.group_id
     ORDER BY n.lesson_date, n.starts_at, n.lesson_id) AS next_lessons,
  ARRAY(SELECT ROW(l.lesson_id, l.group_id, l.lesson_date, l.starts_at, l.duration_minutes, g.name)
     FROM rm_marks m JOIN rm_lessons l ON l.lesson_id = m.lesson_id
       LEFT JOIN rm_groups g ON g.group_id = l.group_id
     WHERE m.tenant_id = $1 AND m.client_id = $2 AND m.makeup_of IS NOT NULL
       AND m.status = 'planned' AND m.removed IS false
       AND l.lesson_date >= $4 AND l.cancelled IS false
     ORDER BY l.lesson_date, l.starts_at, l.lesson_id) AS makeups,
  ARRAY(SELECT ROW(i.invoice_id, i.description, i.amount_minor, i.paid_minor, i.currency, i.due_on,
                   i.period_from, i.period_until)
     FROM rm_invoices i WHERE i.tenant_id = $1 AND i.client_id = $2 AND i.status = 'open'
     ORDER BY i.due_on, i.invoice_id) AS invoices,
  ARRAY(SELECT ROW(m.mark_id, m.group_id, m.lesson_date, m.makeup_until, g.name)
     FROM rm_marks m LEFT JOIN rm_groups g ON g.group_id = m.group_id
     WHERE m.tenant_id = $1 AND m.client_id = $2 AND m.status = 'excused'
       AND m.removed IS false AND m.makeup_until >= $4
       AND NOT EXISTS (
         SELECT FROM rm_marks u
         WHERE u.makeup_of = m.mark_id AND u.removed IS false
           AND u.status IN ('planned', 'makeup_attended'))
     ORDER BY m.makeup_until, m.mark_id) AS credits,
  (SELECT count(*) FROM rm_messages x
     WHERE x.tenant_id = $1 AND x.client_id = $2
       AND NOT EXISTS (SELECT FROM message_reads r WHERE r.message_id = x.message_id)) AS unread
"""


class OverviewRepository(Shared):
    async def everything(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, family: list[uuid.UUID], today: date
    ) -> Everything:
        raw = await pg_connection(self.session, begin=False)  # no BEGIN and COMMIT to read
        if raw is None:
            return await self._one_by_one(tenant_id, client_id, family, today)
        row = await raw.fetchrow(
            EVERYTHING_SQL, tenant_id, client_id, family, today, NEXT_LESSONS, list(SOURCES)
        )
        seen = dict(row["seen"])
        return Everything(
            card=CardRow(*row["card"]) if row["card"] is not None else None,
            as_of={source: seen.get(source) for source in SOURCES},
            packs=[PackRow(*r) for r in row["packs"]],
            next_lessons=[LessonRow(*r) for r in row["next_lessons"]],
            planned_makeups=[LessonRow(*r) for r in row["makeups"]],
            open_invoices=[InvoiceRow(*r) for r in row["invoices"]],
            makeup_credits=[CreditRow(*r) for r in row["credits"]],
            unread_messages=int(row["unread"]),
        )

    async def _one_by_one(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, family: list[uuid.UUID], today: date
    ) -> Everything:
        card = await self.card(tenant_id, client_id)
        packs = await self.active_packs(tenant_id, client_id, family, today)
        lessons = await self.next_lessons(tenant_id, client_id, today)
        makeups = await self.planned_makeups(tenant_id, client_id, today)
        invoices = await self.open_invoices(tenant_id, client_id)
        credits = await self.makeup_credits(tenant_id, client_id, today)
        return Everything(
            card=_row(CardRow, card) if card is not None else None,
            as_of=await self.as_of(tenant_id),
            packs=[_row(PackRow, p) for p in packs],
            next_lessons=[_row(LessonRow, lesson, group_name=n) for lesson, n in lessons],
            planned_makeups=[_row(LessonRow, lesson, group_name=n) for lesson, n in makeups],
            open_invoices=[_row(InvoiceRow, i) for i in invoices],
            makeup_credits=[_row(CreditRow, m, group_name=n) for m, n in credits],
            unread_messages=await MessagesRepository(self.session).unread(tenant_id, client_id),
        )

    async def active_packs(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, family: list[uuid.UUID], today: date
    ) -> list[Pack]:
        """The client's own packs, packs shared with it by name, and its family's shared packs,
        while active and valid."""
        named = select(PackMember.pack_id).where(
            PackMember.tenant_id == tenant_id, PackMember.client_id == client_id
        )
        rows = await self.session.scalars(
            select(Pack)
            .where(
                Pack.tenant_id == tenant_id,
                Pack.status == "active",
                or_(Pack.ends_on.is_(None), Pack.ends_on >= today),
                or_(
                    Pack.client_id == client_id,
                    Pack.pack_id.in_(named),
                    and_(Pack.shared, Pack.client_id.in_(family)),
                ),
            )
            .order_by(Pack.ends_on.nulls_last(), Pack.pack_id)
        )
        return list(rows)

    async def next_lessons(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date, limit: int = NEXT_LESSONS
    ) -> list[tuple[Lesson, str | None]]:
        """Lessons of the client's groups from today on, inside its enrolments."""
        rows = await self.session.execute(
            select(Lesson, Group.name)
            .join(
                Enrolment,
                and_(
                    Enrolment.group_id == Lesson.group_id,
                    Enrolment.tenant_id == tenant_id,
                    Enrolment.client_id == client_id,
                    or_(Enrolment.from_date.is_(None), Enrolment.from_date <= Lesson.lesson_date),
                    or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
                ),
            )
            .outerjoin(Group, Group.group_id == Lesson.group_id)
            .where(
                Lesson.tenant_id == tenant_id,
                Lesson.lesson_date >= today,
                Lesson.cancelled.is_(False),
            )
            .order_by(Lesson.lesson_date, Lesson.starts_at)
            .distinct()
            .limit(limit)
        )
        return [(lesson, name) for lesson, name in rows]

    async def planned_makeups(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> list[tuple[Lesson, str | None]]:
        """Make-ups the journal has booked ahead (a planned mark making up an absence)."""
        rows = await self.session.execute(
            select(Lesson, Group.name)
            .join(Mark, Mark.lesson_id == Lesson.lesson_id)
            .outerjoin(Group, Group.group_id == Lesson.group_id)
            .where(
                Mark.tenant_id == tenant_id,
                Mark.client_id == client_id,
                Mark.makeup_of.is_not(None),
                Mark.status == "planned",
                Mark.removed.is_(False),
                Lesson.lesson_date >= today,
                Lesson.cancelled.is_(False),
            )
        )
        return [(lesson, name) for lesson, name in rows]

    async def open_invoices(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[Invoice]:
        rows = await self.session.scalars(
            select(Invoice)
            .where(
                Invoice.tenant_id == tenant_id,
                Invoice.client_id == client_id,
                Invoice.status == "open",
            )
            .order_by(Invoice.due_on, Invoice.invoice_id)
        )
        return list(rows)

    async def makeup_credits(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> list[tuple[Mark, str | None]]:
        """Excused absences whose make-up window is open and that no make-up uses yet."""
        used = aliased(Mark)
        rows = await self.session.execute(
            select(Mark, Group.name)
            .outerjoin(Group, Group.group_id == Mark.group_id)
            .where(
                Mark.tenant_id == tenant_id,
                Mark.client_id == client_id,
                Mark.status == "excused",
                Mark.removed.is_(False),
                Mark.makeup_until >= today,
                ~exists().where(
                    used.makeup_of == Mark.mark_id,
                    used.removed.is_(False),
                    used.status.in_(("planned", "makeup_attended")),
                ),
            )
            .order_by(Mark.makeup_until, Mark.mark_id)
        )
        return [(mark, name) for mark, name in rows]


Row = TypeVar("Row", CardRow, PackRow, LessonRow, InvoiceRow, CreditRow)


def _row(kind: type[Row], source: object, **given: Any) -> Row:
    """A row of `kind` from the fields of an ORM object of the same names (and `given`)."""
    return kind(**{f: given[f] if f in given else getattr(source, f) for f in kind._fields})
