"""Request and response models of client portal accounts: sign-in, codes, sign-up."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from crm_platform.fields import OneLine
from identity_svc.schemas_common import Password, Strict

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


class ContactIn(Strict):
    """A new email or phone (+E.164) the signed-in client wants on the card."""

    login: Login


class ContactProof(Strict):
    """The code sent to that address (purpose "contact")."""

    login: Login
    code: Code


class PortalPasswordReset(Strict):
    organisation_id: uuid.UUID
    login: Login
    code: Code
    password: Password


# A name as the client writes it: no control characters (a NUL would reach clients' card).
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]


class PortalSignUp(Strict):
    """From the organisation's portal page: the address proven by a code (purpose "signup")."""

    organisation_id: uuid.UUID
    login: Login
    code: Code
    first_name: PersonName
    last_name: PersonName
    password: Password | None = None


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
