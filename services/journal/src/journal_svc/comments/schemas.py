"""Request and response models of comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from crm_platform.fields import MultiLine
from journal_svc.schemas_common import Read, Strict

Target = Literal["client", "cell", "lesson", "group"]
Kind = Literal["action", "information"]
Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), MultiLine
]

# Which ids each target needs (a client's comment is kept within a group, whose staff see it).
NEEDS: dict[str, frozenset[str]] = {
    "group": frozenset({"group_id"}),
    "lesson": frozenset({"lesson_id"}),
    "cell": frozenset({"lesson_id", "client_id"}),
    "client": frozenset({"group_id", "client_id"}),
}


class CommentCreate(Strict):
    target: Target
    group_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    # "action": needs someone to act (call the client); "information": for the record.
    kind: Kind = "information"
    body: Body
    visible_to_client: bool = False


class CommentUpdate(Strict):
    body: Body | None = None
    kind: Kind | None = None
    resolved: bool | None = None
    visible_to_client: bool | None = None


class CommentRead(Read):
    id: uuid.UUID
    target: Target
    group_id: uuid.UUID
    lesson_id: uuid.UUID | None
    client_id: uuid.UUID | None
    author_id: str
    kind: Kind
    body: str
    resolved: bool
    resolved_at: datetime | None
    resolved_by: str | None
    visible_to_client: bool
    created_at: datetime
    version: int
