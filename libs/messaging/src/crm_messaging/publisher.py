"""What the relay hands to a bus: already-encoded envelopes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    event_id: uuid.UUID
    event_type: str
    tenant_id: uuid.UUID
    body: bytes


class Publisher(Protocol):
    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        """Publish all; one result per message: None when the broker confirmed it."""
        ...
