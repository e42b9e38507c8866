from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "telegram", "push", "sms"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplateWrite(Strict):
    trigger: str = Field(max_length=64)
    channel: Channel = "email"
    locale: str = Field(min_length=2, max_length=16)
    subject: str = Field(default="", max_length=300)
    body: str = Field(min_length=1, max_length=20_000)


class TemplateRead(BaseModel):
    trigger: str
    channel: Channel
    locale: str
    subject: str
    body: str
    # 0: the shipped template; 1 and up: the organisation's own saves
    version: int
    updated_at: datetime | None = None


class PreviewRequest(Strict):
    trigger: str = Field(max_length=64)
    channel: Channel = "email"
    locale: str = Field(min_length=2, max_length=16)
    # the unsaved text to try; without them the template in force is previewed
    subject: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=20_000)


class PreviewRead(BaseModel):
    subject: str
    text: str
    html: str
    template_version: int


class TestSend(Strict):
    trigger: str = Field(max_length=64)
    locale: str = Field(min_length=2, max_length=16)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)


class TestSent(BaseModel):
    message_id: uuid.UUID


class TriggerRead(BaseModel):
    name: str
    category: str
    variables: list[str]
