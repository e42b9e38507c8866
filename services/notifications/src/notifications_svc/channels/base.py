"""One interface for every channel: hand over one rendered message, get the provider's id,
or a DeliveryError saying whether trying again may help."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    address: str
    subject: str
    text: str
    html: str
    # extra headers (List-Unsubscribe for email)
    headers: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def send(self, message: Outgoing) -> str: ...
