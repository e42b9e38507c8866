"""Use cases of comments. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crm_contracts.events.journal import CommentVisible
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, ProblemError, invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from journal_svc.access import MARKERS
from journal_svc.comments import schemas
from journal_svc.comments.repository import CommentsRepository
from journal_svc.context import Context
from journal_svc.models import Comment
from journal_svc.repository import Repository

IDS = ("group_id", "lesson_id", "client_id")


@dataclass
class Comments:
    ctx: Context

    @property
    def repo(self) -> CommentsRepository:
        return CommentsRepository(self.ctx.session)

    async def create(self, principal: Principal, body: schemas.CommentCreate) -> Comment:
        require_role(principal, *MARKERS)
        given = {f for f in IDS if getattr(body, f) is not None}
        needs = schemas.NEEDS[body.target]
        errors = [(f, f"a {body.target} comment needs {f}") for f in IDS if f in needs - given]
        errors += [(f, f"a {body.target} comment takes no {f}") for f in IDS if f in given - needs]
        if errors:
            raise invalid_fields(errors)
        shared = Repository(self.ctx.session)
        if body.lesson_id is not None:
            found = await shared.lesson(principal, body.lesson_id)
            if found is None:
                raise invalid("lesson_id", "no such lesson")
            group = found[1]
        else:
            assert body.group_id is not None
            visible = await shared.group(principal, body.group_id)
            if visible is None:
                raise invalid("group_id", "no such group")
            group = visible
        if body.client_id is not None and not await self.repo.in_group(group.id, body.client_id):
            raise invalid("client_id", "the client is not in this group")
        comment = Comment(
            id=uuid7(),
            tenant_id=group.tenant_id,
            group_id=group.id,
            target=body.target,
            lesson_id=body.lesson_id,
            client_id=body.client_id,
            author_id=principal.subject,
            kind=body.kind,
            body=body.body,
            resolved=False,
            visible_to_client=body.visible_to_client,
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(comment)
        await self.ctx.session.flush()
        if comment.visible_to_client:
            await self._publish(comment, group.branch_id)
        return comment

    async def find(
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
        return await self.repo.comments(
            principal,
            group_id=group_id,
            lesson_id=lesson_id,
            client_id=client_id,
            kind=kind,
            resolved=resolved,
            cursor=cursor,
            limit=limit,
        )

    async def update(
        self,
        principal: Principal,
        comment_id: uuid.UUID,
        body: schemas.CommentUpdate,
        if_match: int | None,
    ) -> Comment:
        require_role(principal, *MARKERS)
        comment = await self.repo.comment(principal, comment_id, for_update=True)
        if comment is None:
            raise NotFoundError("comment")
        check_version(comment.version, if_match)
        seen_before = (comment.visible_to_client, comment.body, comment.kind)
        if body.body is not None and comment.author_id != principal.subject:
            raise ProblemError(403, "Forbidden", "only its author edits a comment's text")
        if body.body is not None:
            comment.body = body.body
        if body.kind is not None:
            comment.kind = body.kind
        if body.visible_to_client is not None:
            comment.visible_to_client = body.visible_to_client
        if body.resolved is not None and body.resolved != comment.resolved:
            comment.resolved = body.resolved
            comment.resolved_at = self.ctx.now() if body.resolved else None
            comment.resolved_by = principal.subject if body.resolved else None
        comment.version += 1
        await self.ctx.session.flush()
        seen_now = (comment.visible_to_client, comment.body, comment.kind)
        if seen_now != seen_before and (comment.visible_to_client or seen_before[0]):
            # What the client sees changed: shown, edited while shown, or hidden again.
            group = await Repository(self.ctx.session).group_of(comment.tenant_id, comment.group_id)
            if group is None:
                raise NotFoundError("group")
            await self._publish(comment, group.branch_id)
        return comment

    async def _publish(self, comment: Comment, branch_id: uuid.UUID) -> None:
        await self.ctx.emit(
            comment.tenant_id,
            comment.id,
            CommentVisible(
                comment_id=comment.id,
                group_id=comment.group_id,
                branch_id=branch_id,
                target=comment.target,
                lesson_id=comment.lesson_id,
                client_id=comment.client_id,
                kind=comment.kind,
                body=comment.body,
                visible_to_client=comment.visible_to_client,
                version=comment.version,
                created_at=comment.created_at,
            ),
        )
