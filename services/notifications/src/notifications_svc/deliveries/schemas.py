from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["queued", "deferred", "sent", "failed", "skipped"]


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AttemptRead(Read):
    at: datetime
    status: str
    detail: str | None


class MessageRead(Read):
    id: uuid.UUID
    trigger: str
    category: str
    channel: str
    client_id: uuid.UUID | None
    staff_user_id: uuid.UUID | None
    branch_id: uuid.UUID | None
    address: str | None
    locale: str
    status: Status
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    provider_id: str | None
    template_version: int | None
    subject: str | None
    created_at: datetime
    sent_at: datetime | None


class MessageDetail(MessageRead):
    history: list[AttemptRead]
