"""Request and response models of personal links and messenger bindings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from clients_svc.schemas_common import (
    ClientStatus,
    Phone,
    Strict,
)


class LinkIssued(BaseModel):
    client_id: uuid.UUID
    token: str  # shown once: only its digest is kept
    issued_at: datetime


class LinkState(BaseModel):
    client_id: uuid.UUID
    active: bool
    issued_at: datetime | None


class LinkLookup(Strict):
    token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


class LinkResolved(BaseModel):
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    first_name: str
    last_name: str
    status: ClientStatus


class MessengerBind(Strict):
    organisation_id: uuid.UUID
    channel: Literal["telegram", "viber"]
    chat_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    phone: Phone


class MessengerBound(BaseModel):
    client_ids: list[uuid.UUID]
    names: list[str]
