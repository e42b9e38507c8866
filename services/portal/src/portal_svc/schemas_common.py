"""Answer models every feature shares."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AsOf(Read):
    """When the portal last heard from each owner: the answer is as of then."""

    clients: datetime | None
    billing: datetime | None
    journal: datetime | None
    notifications: datetime | None = None


class ClientRef(Read):
    client_id: uuid.UUID
    first_name: str | None
    last_name: str | None


class Money(Read):
    amount_minor: int
    currency: str
