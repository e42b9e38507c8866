"""The portal inbox: what the school sent the client, read or not."""

from __future__ import annotations

import uuid
from datetime import datetime

from crm_platform.pagination import WholeList
from portal_svc.schemas_common import AsOf, Read


class MessageRead(Read):
    message_id: uuid.UUID
    category: str
    channel: str
    subject: str | None
    text: str
    sent_at: datetime
    read: bool


class Inbox(Read, WholeList):
    as_of: AsOf
    client_id: uuid.UUID
    unread: int
    items: list[MessageRead]


class Marked(Read):
    marked: int
