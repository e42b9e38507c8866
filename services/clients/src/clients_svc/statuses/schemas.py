"""Request models of a client's statuses."""

from __future__ import annotations

from clients_svc.schemas_common import (
    Reason,
    Strict,
)
from crm_platform.fields import BusinessDate


class FreezeIn(Strict):
    from_date: BusinessDate | None = None  # today when omitted
    until_date: BusinessDate
    reason: Reason
