from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

OptionalCategory = Literal["reminders", "news"]
Channel = Literal["email", "telegram", "push", "sms"]


class OptOutWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: OptionalCategory
    channel: Channel
    # true: the client gets no more of this category on this channel
    opted_out: bool


class OptOutRead(BaseModel):
    category: str
    channel: str
    source: str
