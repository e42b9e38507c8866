"""Portal sign-ups waiting for staff: the person, and the cards their login is on."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Candidate(BaseModel):
    """An active card holding the login, that the caller sees."""

    id: uuid.UUID
    first_name: str
    last_name: str
    birthday: date | None
    branch_id: uuid.UUID | None
    status: str


class ReviewRead(BaseModel):
    account_id: uuid.UUID
    login: str
    channel: str
    first_name: str
    last_name: str
    status: str
    client_id: uuid.UUID | None
    created_at: datetime
    decided_at: datetime | None
    candidates: list[Candidate]


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: uuid.UUID
