"""Request and response models of the client card: separate Create, Update and Read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints, model_validator

from clients_svc.schemas_common import (
    ClientStatus,
    Name,
    Note,
    Phone,
    Short,
    Strict,
)
from clients_svc.tags.schemas import TagRead
from crm_platform.fields import BusinessDate
from crm_platform.pagination import WholeList

# a language (and region) the client's messages are written in: en, ru, pl, uk, pt-BR
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


class ClientCreate(Strict):
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None
    birthday: BusinessDate | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None
    lead_source: Short | None = None
    locale: Locale | None = None
    tag_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class ClientUpdate(Strict):
    """Only the fields sent change; null clears an optional field."""

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    birthday: BusinessDate | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None
    lead_source: Short | None = None
    locale: Locale | None = None
    custom_fields: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _names_are_not_cleared(self) -> ClientUpdate:
        for name in ("first_name", "last_name"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class ClientRead(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    email_confirmed: bool
    birthday: date | None
    age: int | None
    note: str | None
    branch_id: uuid.UUID | None
    lead_source: str | None
    locale: str | None
    tags: list[TagRead]
    custom_fields: dict[str, Any]
    status: ClientStatus
    frozen_from: date | None
    frozen_until: date | None
    freeze_reason: str | None
    archived_at: datetime | None
    family_id: uuid.UUID | None
    group_ids: list[uuid.UUID]
    # Absent (null) for a teacher whose finances are hidden, or before billing reported it.
    balance_minor: int | None
    balance_currency: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class Duplicate(BaseModel):
    """Another card with the same phone or email. A card the caller may not see is named
    only as existing."""

    field: Literal["phone", "email"]
    client_id: uuid.UUID | None
    name: str | None


class ClientCreated(ClientRead):
    duplicates: list[Duplicate]


class Duplicates(WholeList):
    """The cards already holding the phone or email asked about, whole."""

    items: list[Duplicate]


class EmailConfirm(Strict):
    token: Annotated[str, StringConstraints(min_length=20, max_length=200)]
