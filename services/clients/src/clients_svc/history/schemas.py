"""Response models of a client's history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from clients_svc.domain.history import Section
from clients_svc.schemas_common import (
    Read,
)


class HistoryRead(Read):
    id: uuid.UUID
    section: Section
    kind: str
    summary: str
    data: dict[str, Any]
    actor: str | None
    occurred_at: datetime
