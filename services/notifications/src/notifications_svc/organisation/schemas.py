from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_platform.fields import WholeNumber

ChannelName = Literal["telegram", "push", "email", "sms"]
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
    # which reachable channel a client message takes, first to last
    channel_order: list[str]


class SettingsUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    quiet_hours: QuietHours | None = None
    sms_enabled: bool = False
    sms_monthly_cap: WholeNumber = Field(default=500, ge=0, le=1_000_000)
    daily_news_cap: WholeNumber = Field(default=3, ge=0, le=100)
    # null: back to the default order; a channel left out is not used for client messages
    channel_order: list[ChannelName] | None = Field(default=None, min_length=1, max_length=4)

    @field_validator("channel_order")
    @classmethod
    def _each_once(cls, order: list[str] | None) -> list[str] | None:
        if order is None:
            return None
        twice = sorted({c for c in order if order.count(c) > 1})
        if twice:
            raise ValueError(f"each channel at most once: {', '.join(twice)} repeated")
        return order
