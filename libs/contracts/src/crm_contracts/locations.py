"""The internal contract by which a service tells the gateway's access map where one of its
resources lives (GET /internal/v1/<service>/access/<collection>/{id})."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class Location(BaseModel):
    """Where a resource lives, for the gateway's access map."""

    tenant_id: uuid.UUID
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]
