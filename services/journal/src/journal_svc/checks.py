"""Refusals shared by every use case, as problem documents with clear reasons."""

from __future__ import annotations

import uuid

from crm_platform.errors import ConflictError, ProblemError, invalid_fields
from crm_platform.scope import Scope
from journal_svc.models import Room


def conflict(detail: str, errors: list[tuple[str, str]] | None = None) -> ProblemError:
    """The request is well formed but the journal's state refuses it (a clash, a full group)."""
    if not errors:
        return ConflictError(detail)
    return invalid_fields(errors, status=409, detail=detail)


def room_refusal(scope: Scope, room: Room | None, branch_id: uuid.UUID) -> str | None:
    """Why a room named in a body cannot hold a group or lesson of `branch_id`, if it cannot:
    a room of a branch the caller does not see is answered as one that does not exist."""
    if room is None or room.archived or not scope.sees_branch(room.branch_id):
        return "no such room"
    if room.branch_id != branch_id:
        return "the room is in another branch"
    return None
