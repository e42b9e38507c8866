"""Events published by the notifications context."""

from __future__ import annotations

import uuid
from datetime import datetime

from crm_contracts.registry import EventPayload, registry


@registry.register("notifications.message_sent", 1)
class MessageSent(EventPayload):
    """A message handed to a client on some channel (email, Telegram, ...), as the client
    read it: the portal keeps it as the copy in the client's inbox. Transactional messages
    carrying a one-time link are not published."""

    message_id: uuid.UUID
    client_id: uuid.UUID
    trigger: str
    category: str
    channel: str
    locale: str
    subject: str | None = None
    text: str
    sent_at: datetime
