from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(pattern=HHMM, examples=["21:00"])
    end: str = Field(pattern=HHMM, examples=["09:00"])


class SettingsRead(BaseModel):
    time_zone: str
    locale: str
    # None: messages go at any hour
    quiet_hours: QuietHours | None


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet_hours: QuietHours | None
