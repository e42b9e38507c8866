"""Request and response models of the identity API."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from crm_contracts.money import CurrencyCode
from crm_platform.fields import OneLine
from identity_svc.passwords import MIN_LENGTH

Role = Literal["owner", "admin", "teacher", "accountant"]
Scope = Literal["organisation", "branch", "group"]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Password = Annotated[str, StringConstraints(min_length=MIN_LENGTH, max_length=256)]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


def _known_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError("unknown time zone (use an IANA name such as Europe/Warsaw)")
    return value


TimeZone = Annotated[str, AfterValidator(_known_zone)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class SignIn(Strict):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class PortalSignIn(Strict):
    """A password, or a one-time code requested at /auth/portal/codes (purpose "signin")."""

    organisation_id: uuid.UUID
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    code: Code | None = None

    @model_validator(mode="after")
    def _one_secret(self) -> PortalSignIn:
        if (self.password is None) == (self.code is None):
            raise ValueError("give either a password or a code")
        return self


class PortalCodeRequest(Strict):
    organisation_id: uuid.UUID
    login: Login
    purpose: Literal["signin", "reset", "signup"]


class PortalPasswordReset(Strict):
    organisation_id: uuid.UUID
    login: Login
    code: Code
    password: Password


class PortalSignUp(Strict):
    """From the organisation's portal page: the address proven by a code (purpose "signup")."""

    organisation_id: uuid.UUID
    login: Login
    code: Code
    first_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    last_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    password: Password | None = None


class RefreshIn(Strict):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ResetRequest(Strict):
    email: EmailStr


class SetPassword(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Password


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str


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


class GrantIn(Strict):
    scope: Scope
    scope_id: uuid.UUID


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scope: Scope
    scope_id: uuid.UUID


class StaffCreate(Strict):
    email: EmailStr
    name: Name
    role: Role
    finances_hidden: bool = False
    grants: list[GrantIn] = Field(default_factory=list, max_length=1000)
    # Without a password the user is invited by email to set one.
    password: Password | None = None


class StaffUpdate(Strict):
    name: Name | None = None
    role: Role | None = None
    finances_hidden: bool | None = None


class GrantsReplace(Strict):
    grants: list[GrantIn] = Field(max_length=1000)


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    status: str
    finances_hidden: bool
    version: int
    created_at: datetime
    grants: list[GrantRead] = Field(default_factory=list)


class SignedUp(BaseModel):
    organisation: OrganisationRead
    branch: BranchRead
    owner: StaffRead
    tokens: Tokens


class PortalAccountCreate(Strict):
    tenant_id: uuid.UUID
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    password: Password
    client_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)


class PortalAccountRead(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    login: str
    client_ids: list[uuid.UUID]


class AccessRead(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: Role
    status: str
    finances_hidden: bool
    organisation_wide: bool
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]


class Location(BaseModel):
    """Where a resource lives, for the gateway's access map."""

    tenant_id: uuid.UUID
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]
