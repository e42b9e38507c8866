"""What one journal grid needs, read in one statement on PostgreSQL.

The group (through the caller's scope), its organisation's time zone and currency, the
period's lessons, the enrolments overlapping it, their marks, the clients' cards and the
comment counts: PostgreSQL gathers them into one JSON document, so the grid costs one round
trip and no ORM work (the eight statements it took were most of the journal's CPU for a page).
Elsewhere (SQLite, the embedded default) the same data comes from one query each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from crm_platform.db import pg_connection
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope
from journal_svc.access import visible_groups
from journal_svc.models import ClientCard, Comment, Enrolment, Group, Lesson, Mark, Organisation

CARD_FIELDS = (
    "client_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "birthday",
    "status",
    "balance_minor",
    "currency",
    "classes_left",
)
GROUP_FIELDS = ("id", "tenant_id", "name", "programme", "branch_id", "capacity", "archived")
LESSON_FIELDS = (
    "id",
    "lesson_date",
    "start_minute",
    "end_minute",
    "kind",
    "cancelled",
    "teacher_id",
    "attended_count",
)
MARK_FIELDS = ("id", "lesson_id", "client_id", "status", "makeup_of", "version")
DOCUMENT = f"""
WITH g AS (
    SELECT {", ".join(GROUP_FIELDS)}, version FROM groups WHERE id = $1 AND {{scope}}
), l AS (
    SELECT {", ".join(LESSON_FIELDS)} FROM lessons
    WHERE group_id = (SELECT id FROM g) AND lesson_date >= $2 AND lesson_date <= $3
), e AS (
    SELECT client_id, from_date, until_date FROM enrolments
    WHERE group_id = (SELECT id FROM g) AND from_date <= $3
        AND (until_date IS NULL OR until_date >= $2)
        AND (until_date IS NULL OR until_date >= from_date)
), m AS (
    SELECT {", ".join(MARK_FIELDS)} FROM marks WHERE lesson_id IN (SELECT id FROM l)
)
SELECT json_build_object(
    'group', (SELECT row_to_json(g) FROM g),
    'organisation', (
        SELECT json_build_object('time_zone', time_zone, 'currency', currency)
        FROM organisations WHERE id = (SELECT tenant_id FROM g)
    ),
    'lessons', (SELECT json_agg(l ORDER BY lesson_date, start_minute, id) FROM l),
    'enrolments', (SELECT json_agg(e) FROM e),
    'marks', (SELECT json_agg(m) FROM m),
    'cards', (
        SELECT json_agg(c) FROM (
            SELECT {", ".join(CARD_FIELDS)} FROM client_cards
            WHERE tenant_id = (SELECT tenant_id FROM g)
                AND client_id = ANY(ARRAY(SELECT client_id FROM e UNION SELECT client_id FROM m))
        ) c
    ),
    'counts', (
        SELECT json_agg(k) FROM (
            SELECT lesson_id, client_id, count(*) AS n FROM comments
            WHERE group_id = (SELECT id FROM g)
                AND (lesson_id IS NULL OR lesson_id IN (SELECT id FROM l))
            GROUP BY lesson_id, client_id
        ) k
    )
)::text
"""
# (lesson, client) -> comments: (None, None) the group's, (lesson, None) a lesson's,
# (None, client) a client's, (lesson, client) a cell's.
Counts = dict[tuple[str | None, str | None], int]


@dataclass
class GridData:
    """Rows as plain dicts keyed by column name; ids as text, dates as dates."""

    group: dict[str, Any]
    time_zone: str | None
    currency: str | None
    lessons: list[dict[str, Any]]
    enrolments: list[dict[str, Any]]
    marks: list[dict[str, Any]]
    cards: dict[str, dict[str, Any]]
    counts: Counts


class GridRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def read(
        self, principal: Principal, group_id: uuid.UUID, start: date, until: date
    ) -> GridData | None:
        """None when the caller sees no such group."""
        # One statement needs no transaction (nor its BEGIN and COMMIT): it has one snapshot.
        pg = await pg_connection(self.session, begin=False)
        if pg is None:
            return await self._read_by_parts(principal, group_id, start, until)
        return await self._read_at_once(pg, principal, group_id, start, until)

    async def _read_at_once(
        self, pg: Any, principal: Principal, group_id: uuid.UUID, start: date, until: date
    ) -> GridData | None:
        scope = Scope.of(principal).pg_condition("tenant_id", "branch_id", "id", 4)
        raw = await pg.fetchval(
            DOCUMENT.format(scope=scope.text), group_id, start, until, *scope.values
        )
        found = orjson.loads(raw)
        if not found.get("group"):
            return None
        org = found.get("organisation") or {}
        cards = found.get("cards") or []
        for card in cards:
            card["birthday"] = _date(card["birthday"])
        enrolments = found.get("enrolments") or []
        for row in enrolments:
            row["from_date"], row["until_date"] = _date(row["from_date"]), _date(row["until_date"])
        return GridData(
            group=found["group"],
            time_zone=org.get("time_zone"),
            currency=org.get("currency"),
            lessons=found.get("lessons") or [],
            enrolments=enrolments,
            marks=found.get("marks") or [],
            cards={card["client_id"]: card for card in cards},
            counts={(c["lesson_id"], c["client_id"]): c["n"] for c in found.get("counts") or []},
        )

    async def _read_by_parts(
        self, principal: Principal, group_id: uuid.UUID, start: date, until: date
    ) -> GridData | None:
        group = (await self.session.execute(_group(principal, group_id))).mappings().first()
        if group is None:
            return None
        head = _texts(dict(group))
        org = await self.session.get(Organisation, group["tenant_id"])
        lessons = [
            _texts(dict(r))
            for r in (
                await self.session.execute(
                    _lessons(start, until).where(Lesson.group_id == group_id)
                )
            ).mappings()
        ]
        enrolments = [
            _texts(dict(r))
            for r in (
                await self.session.execute(
                    _enrolments(start, until).where(Enrolment.group_id == group_id)
                )
            ).mappings()
        ]
        lesson_ids = [uuid.UUID(row["id"]) for row in lessons]
        marks: list[dict[str, Any]] = []
        if lesson_ids:
            found = await self.session.execute(_marks().where(Mark.lesson_id.in_(lesson_ids)))
            marks = [_texts(dict(r)) for r in found.mappings()]
        client_ids = {uuid.UUID(r["client_id"]) for r in (*enrolments, *marks)}
        cards: dict[str, dict[str, Any]] = {}
        if client_ids:
            found = await self.session.execute(
                _cards().where(
                    ClientCard.tenant_id == group["tenant_id"],
                    ClientCard.client_id.in_(client_ids),
                )
            )
            cards = {c["client_id"]: c for c in (_texts(dict(r)) for r in found.mappings())}
        counted = await self.session.execute(
            _counts(Comment.lesson_id.in_(lesson_ids)).where(Comment.group_id == group_id)
        )
        return GridData(
            group=head,
            time_zone=org.time_zone if org is not None else None,
            currency=org.currency if org is not None else None,
            lessons=lessons,
            enrolments=enrolments,
            marks=marks,
            cards=cards,
            counts={(_text(lesson), _text(client)): int(n) for lesson, client, n in counted},
        )


def _group(principal: Principal, group_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    columns = [getattr(Group, name) for name in (*GROUP_FIELDS, "version")]
    return select(*columns).where(Group.id == group_id, visible_groups(principal))


def _lessons(start: date, until: date) -> Select[*tuple[Any, ...]]:
    return select(*(getattr(Lesson, name) for name in LESSON_FIELDS)).where(
        Lesson.lesson_date >= start, Lesson.lesson_date <= until
    )


def _enrolments(start: date, until: date) -> Select[*tuple[Any, ...]]:
    """Enrolments overlapping the period."""
    return select(Enrolment.client_id, Enrolment.from_date, Enrolment.until_date).where(
        Enrolment.from_date <= until,
        or_(Enrolment.until_date.is_(None), Enrolment.until_date >= start),
        or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Enrolment.from_date),
    )


def _marks() -> Select[*tuple[Any, ...]]:
    return select(*(getattr(Mark, name) for name in MARK_FIELDS))


def _cards() -> Select[*tuple[Any, ...]]:
    return select(*(getattr(ClientCard, name) for name in CARD_FIELDS))


def _counts(of_lessons: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        select(Comment.lesson_id, Comment.client_id, func.count().label("n"))
        .where(or_(Comment.lesson_id.is_(None), of_lessons))
        .group_by(Comment.lesson_id, Comment.client_id)
    )


def _date(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _texts(row: dict[str, Any]) -> dict[str, Any]:
    """Ids as text, as PostgreSQL's JSON gives them."""
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()}
