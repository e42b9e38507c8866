"""Request and response models of staff users and their grants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from identity_svc.models import Grant, StaffUser
from identity_svc.schemas_common import Name, Password, Strict

Role = Literal["owner", "admin", "teacher", "accountant"]
Scope = Literal["organisation", "branch", "group"]


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


class AccessRead(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: Role
    status: str
    finances_hidden: bool
    organisation_wide: bool
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]


def staff_read(user: StaffUser, grants: Sequence[Grant]) -> StaffRead:
    return StaffRead(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        status=user.status,
        finances_hidden=user.finances_hidden,
        version=user.version,
        created_at=user.created_at,
        grants=[GrantRead(scope=g.scope, scope_id=g.scope_id) for g in grants],
    )
