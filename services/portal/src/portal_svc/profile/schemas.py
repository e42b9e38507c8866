"""The client's card as the portal shows it, and change requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, model_validator

from crm_platform.fields import BusinessDate, OneLine
from portal_svc.schemas_common import AsOf, Read

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-]{6,20}$")]


class ChangeIn(BaseModel):
    """The fields to change; at least one. Staff approve or reject the request."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    birthday: BusinessDate | None = None

    @model_validator(mode="after")
    def _something(self) -> ChangeIn:
        if not self.model_dump(exclude_none=True):
            raise ValueError("name at least one field to change")
        return self


class RequestRead(Read):
    request_id: uuid.UUID
    changes: dict[str, Any]
    # sent, received (staff have it), approved, rejected, refused
    status: str
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
