"""What staff see of how a client can be reached. Never an address a staff member has no use
for: not the Telegram chat id (the person's Telegram account), nor a device's push token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Channel = Literal["telegram", "push", "email", "sms"]
OptionalCategory = Literal["reminders", "news"]
Category = Literal["transactional", "reminders", "news"]


class TelegramReach(BaseModel):
    bound: bool = Field(
        description="A Telegram chat is bound to the client and the bot may write to it"
    )
    bound_since: datetime | None = Field(
        description="When the chat was bound (null: not bound, or bound before this was kept)"
    )
    blocked: bool = Field(
        description="The person blocked the bot: the chat stays bound but nothing is sent to it"
    )
    opted_out: list[OptionalCategory] = Field(
        description="Categories the client does not want on Telegram (/stop opts out of all)"
    )


class DeviceCount(BaseModel):
    kind: Literal["fcm", "webpush"] = Field(description="fcm: a mobile app; webpush: a browser")
    platform: Literal["android", "ios", "web"]
    count: int


class PushReach(BaseModel):
    devices: int = Field(description="How many devices the client's push messages go to")
    by_kind: list[DeviceCount] = Field(description="Those devices by kind and platform")
    last_registered_at: datetime | None = Field(
        description="When the newest device was registered (null: none)"
    )
    opted_out: list[OptionalCategory]


class EmailReach(BaseModel):
    present: bool = Field(
        description="The card has a confirmed email (an unconfirmed one is never written to)"
    )
    opted_out: list[OptionalCategory]


class SmsReach(BaseModel):
    present: bool = Field(description="The card has a phone number")
    enabled: bool = Field(description="The organisation has turned SMS on")
    opted_out: list[OptionalCategory]


class Route(BaseModel):
    category: Category
    channel: Channel | None = Field(
        description="The channel a message of this category would take now (null: none)"
    )
    then: list[Channel] = Field(
        description="The channels next in line, in the organisation's order, should that one fail"
    )
    reason: str | None = Field(description="Why no channel would be taken (null when one is)")


class ReachRead(BaseModel):
    client_id: uuid.UUID
    channel_order: list[Channel] = Field(
        description="The organisation's order: a message takes the first channel that reaches"
        " the client"
    )
    telegram: TelegramReach
    push: PushReach
    email: EmailReach
    sms: SmsReach
    routes: list[Route] = Field(description="Per category, where a message would go now")
