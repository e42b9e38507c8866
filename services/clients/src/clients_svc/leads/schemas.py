"""Request and response models of leads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr

from clients_svc.schemas_common import (
    Name,
    Note,
    Phone,
    Read,
    Reason,
    Short,
    Strict,
)
from crm_platform.fields import BusinessDate

LeadStatus = Literal["new", "contacted", "trial", "won", "lost"]


class LeadCreate(Strict):
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None
    source: Short | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None


class LeadUpdate(Strict):
    status: LeadStatus | None = None
    lost_reason: Reason | None = None
    note: Note | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    source: Short | None = None


class LeadRead(Read):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    source: str | None
    note: str | None
    branch_id: uuid.UUID | None
    status: LeadStatus
    lost_reason: str | None
    client_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class LeadConvert(Strict):
    """Fields for the new card that the lead did not have."""

    branch_id: uuid.UUID | None = None
    birthday: BusinessDate | None = None


class PortalLeadIn(Strict):
    """A portal sign-up by a person the organisation does not know (internal, from portal)."""

    organisation_id: uuid.UUID
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None


class PortalSignupAnswer(BaseModel):
    outcome: Literal["client", "lead"]
    id: uuid.UUID
