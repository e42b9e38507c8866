from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

AudienceKind = Literal["all", "tag", "group", "branch", "client"]


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AudienceKind
    # the tag, group, branch or client; none for "all"
    id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _id_when_needed(self) -> Self:
        if (self.kind == "all") != (self.id is None):
            raise ValueError("id is needed for a tag, group, branch or client, and only then")
        return self


class AudienceCount(BaseModel):
    recipients: int


class BroadcastCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Audience
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)


class BroadcastRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    audience: str
    audience_id: uuid.UUID | None
    subject: str
    body: str
    status: str
    # frozen when sent
    recipients: int
    created_at: datetime
    cancelled_at: datetime | None
    # the recipients' messages by status (queued, deferred, sent, failed, skipped)
    progress: dict[str, int] = Field(default_factory=dict)
