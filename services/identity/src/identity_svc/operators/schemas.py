"""Request and response models of the operator API (/operator/v1) and operator sign-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from crm_contracts.plans import PLANS, PlanLimits
from identity_svc.schemas_common import Name, Password, Strict

PlanName = Literal[tuple(sorted(PLANS))]  # type: ignore[valid-type]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class OperatorSignIn(Strict):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class OperatorCreate(Strict):
    email: EmailStr
    name: Name
    password: Password


class OperatorRead(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    status: str


class Counts(BaseModel):
    """What the limits count now: active (not archived) clients as the clients context last
    reported them, branches not archived, staff users not deactivated."""

    active_clients: int
    branches: int
    staff: int


class OrganisationStanding(BaseModel):
    id: uuid.UUID
    name: str
    currency: str
    time_zone: str
    plan: str
    limits: PlanLimits
    counts: Counts
    status: Literal["active", "suspended"]
    suspended_reason: str | None
    created_at: datetime
    version: int


class LimitsIn(PlanLimits, Strict):
    """Limits that differ from the plan's own: a limit left out takes the plan's, null
    means no limit. Each a JSON integer (never "200" or true)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PlanSet(Strict):
    """Example: {"plan": "standard", "limits": {"active_clients": 200, "branches": null}}."""

    plan: PlanName  # type: ignore[valid-type]
    limits: LimitsIn = Field(default_factory=LimitsIn)


class Suspension(Strict):
    reason: Reason
