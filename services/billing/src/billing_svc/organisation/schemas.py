"""The organisation's billing settings."""

from __future__ import annotations

from pydantic import Field

from billing_svc.schemas_common import Read, Strict
from crm_platform.fields import WholeNumber


class SettingsUpdate(Strict):
    """Only the fields sent change."""

    # An unexcused absence uses a class from the client's pack, as an attended lesson does.
    absence_uses_class: bool | None = None
    # Days before a due date, or before a pack's end, that reminders go out.
    reminder_lead_days: WholeNumber | None = Field(default=None, ge=0, le=60)


class SettingsRead(Read):
    absence_uses_class: bool
    reminder_lead_days: int
    currency: str
    time_zone: str
    version: int
