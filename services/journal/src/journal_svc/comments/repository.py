"""Queries of comments, always through the groups the caller sees."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from crm_platform.pagination import keyset
from journal_svc.access import visible_groups
from journal_svc.models import Comment, Enrolment, Group, Mark


class CommentsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def comment(
        self, principal: Principal, comment_id: uuid.UUID, *, for_update: bool = False
    ) -> Comment | None:
        query = (
            select(Comment)
            .join(Group, Group.id == Comment.group_id)
            .where(Comment.id == comment_id, visible_groups(principal))
        )
        if for_update:
            query = query.with_for_update(of=Comment)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def comments(
        self,
        principal: Principal,
        *,
        group_id: uuid.UUID | None,
        lesson_id: uuid.UUID | None,
        client_id: uuid.UUID | None,
        kind: str | None,
        resolved: bool | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Comment]:
        query = (
            select(Comment)
            .join(Group, Group.id == Comment.group_id)
            .where(visible_groups(principal))
        )
        if group_id is not None:
            query = query.where(Comment.group_id == group_id)
        if lesson_id is not None:
            query = query.where(Comment.lesson_id == lesson_id)
        if client_id is not None:
            query = query.where(Comment.client_id == client_id)
        if kind is not None:
            query = query.where(Comment.kind == kind)
        if resolved is not None:
            query = query.where(Comment.resolved.is_(resolved))
        rows = await self.session.execute(keyset(query, Comment.id, cursor, limit))
        return list(rows.scalars().all())

    async def in_group(self, group_id: uuid.UUID, client_id: uuid.UUID) -> bool:
        """Whether the client was ever enrolled in the group or marked in one of its lessons."""
        enrolled = select(Enrolment.id).where(
            Enrolment.group_id == group_id, Enrolment.client_id == client_id
        )
        marked = select(Mark.id).where(Mark.group_id == group_id, Mark.client_id == client_id)
        row = await self.session.execute(select(enrolled.exists() | marked.exists()))
        return bool(row.scalar_one())
