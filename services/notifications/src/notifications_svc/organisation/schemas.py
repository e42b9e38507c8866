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
    sms_enabled: bool
    sms_monthly_cap: int
    daily_news_cap: int


class SettingsUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    quiet_hours: QuietHours | None = None
    sms_enabled: bool = False
    sms_monthly_cap: int = Field(default=500, ge=0, le=1_000_000)
    daily_news_cap: int = Field(default=3, ge=0, le=100)
