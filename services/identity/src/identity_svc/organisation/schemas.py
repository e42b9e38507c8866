"""Request and response models of sign-up, the organisation and its branches."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

from crm_contracts.money import CurrencyCode
from identity_svc.schemas_common import Locale, Name, Password, Strict, TimeZone
from identity_svc.staff.schemas import StaffRead
from identity_svc.tokens.schemas import Tokens


class OrganisationIn(Strict):
    name: Name
    currency: CurrencyCode
    time_zone: TimeZone
    locale: Locale = "en"


class OwnerIn(Strict):
    name: Name
    email: EmailStr
    password: Password


class SignUp(Strict):
    organisation: OrganisationIn
    branch_name: Name = "Main branch"
    owner: OwnerIn


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    currency: str
    time_zone: str
    locale: str
    plan: str
    version: int


class OrganisationUpdate(Strict):
    name: Name | None = None
    time_zone: TimeZone | None = None
    locale: Locale | None = None


class BranchCreate(Strict):
    name: Name
    address: Annotated[str, StringConstraints(max_length=500)] | None = None


class BranchUpdate(Strict):
    name: Name | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    archived: bool | None = None


class BranchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    address: str | None
    archived: bool
    version: int


class SignedUp(BaseModel):
    organisation: OrganisationRead
    branch: BranchRead
    owner: StaffRead
    tokens: Tokens
