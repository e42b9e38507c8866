"""The client's card as the portal shows it, and change requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    StringConstraints,
    model_validator,
)

from crm_platform.fields import BusinessDate, OneLine
from crm_platform.logins import e164
from portal_svc.schemas_common import AsOf, Read

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]


def _international(phone: str) -> str:
    spelt = e164(phone)
    if spelt is None:
        raise ValueError("a phone number in international form (+48...)")
    return spelt


Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(_international)]
Email = Annotated[EmailStr, AfterValidator(str.lower)]


class ChangeIn(BaseModel):
    """The fields to change; at least one. Staff approve or reject the request; a new email or
    phone waits ("confirming") until the account proves it with a code sent there
    (POST /portal/v1/contacts/codes, then /portal/v1/contacts/proofs)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    birthday: BusinessDate | None = None

    @model_validator(mode="after")
    def _something(self) -> ChangeIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("name at least one field to change")
        return self


class RequestRead(Read):
    request_id: uuid.UUID
    changes: dict[str, Any]
    # confirming (a new email or phone not proven yet), sent, received (staff have it),
    # approved, rejected, refused
    status: str
    unconfirmed: list[str]
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class Profile(Read):
    as_of: AsOf
    client_id: uuid.UUID
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    email_confirmed: bool
    requests: list[RequestRead]
