"""The event envelope every context publishes (close to CloudEvents)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from crm_contracts.ids import uuid7


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID = Field(default_factory=uuid7)
    type: str = Field(pattern=r"^[a-z]+\.[a-z0-9_]+$")
    version: int = Field(default=1, ge=1)
    source: str
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    tenant_id: uuid.UUID
    subject: str
    correlation_id: str | None = None
    causation_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def context(self) -> str:
        return self.type.split(".", 1)[0]
