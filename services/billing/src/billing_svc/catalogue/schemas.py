"""Catalogue: one-time services, subscriptions and packs (pack templates)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from billing_svc.domain.periods import PeriodUnit
from billing_svc.schemas_common import Classes, IdList, MinorUnits, Name, Read, Strict
from crm_platform.fields import MultiLine, OneLine, WholeNumber

Kind = Literal["one_time", "subscription", "pack"]
Billing = Literal["prepaid", "postpaid"]
Leftover = Literal["burn", "carry"]
Programme = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Description = Annotated[str, StringConstraints(max_length=2000), MultiLine]


class Period(Strict):
    unit: PeriodUnit
    count: WholeNumber = Field(ge=1, le=3650)


class Item(Strict):
    """One line of a pack: a one-time service or a subscription, with a quantity."""

    service_id: uuid.UUID
    quantity: WholeNumber = Field(ge=1, le=10_000)


class ServiceCreate(Strict):
    kind: Kind
    name: Name
    description: Description | None = None
    price_minor: MinorUnits
    # Classes it carries; `unlimited` for a pack or subscription without a count. A pack of
    # items without `classes` carries the sum of its one-time items' quantities.
    classes: Classes | None = None
    unlimited: bool = False
    period: Period | None = None  # a subscription's period, a pack's validity
    billing: Billing | None = None  # subscriptions only
    freestyle: bool = False
    overlapping: bool = True
    shared: bool = False
    leftover: Leftover = "burn"
    group_ids: IdList = Field(default_factory=list)
    branch_ids: IdList = Field(default_factory=list)
    programmes: list[Programme] = Field(default_factory=list, max_length=100)
    items: list[Item] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _by_kind(self) -> Self:
        errors: list[str] = []
        if self.unlimited and self.classes is not None:
            errors.append("classes: an unlimited service has no class count")
        if self.kind == "subscription":
            if self.period is None:
                errors.append("period: a subscription repeats every period")
            if self.billing is None:
                errors.append("billing: a subscription is prepaid or postpaid")
        elif self.billing is not None:
            errors.append("billing: only subscriptions are prepaid or postpaid")
        if self.kind == "pack" and self.period is None:
            errors.append("period: a pack is valid for a period")
        if self.kind == "one_time" and (self.period is not None or self.unlimited):
            errors.append("period: a one-time service has no period and a class count")
        if self.kind != "pack" and self.items:
            errors.append("items: only a pack combines other services")
        if errors:
            raise ValueError("; ".join(errors))
        return self


class ServiceUpdate(Strict):
    """Changes apply to later sales; packs already sold keep what they were sold with."""

    name: Name | None = None
    description: Description | None = None
    price_minor: MinorUnits | None = None
    freestyle: bool | None = None
    overlapping: bool | None = None
    shared: bool | None = None
    leftover: Leftover | None = None
    group_ids: IdList | None = None
    branch_ids: IdList | None = None
    programmes: list[Programme] | None = Field(default=None, max_length=100)
    archived: bool | None = None


class ServiceRead(Read):
    id: uuid.UUID
    kind: Kind
    name: str
    description: str | None
    price_minor: int
    currency: str
    classes: int | None
    unlimited: bool
    period: Period | None
    billing: Billing | None
    freestyle: bool
    overlapping: bool
    shared: bool
    leftover: Leftover
    group_ids: list[uuid.UUID]
    branch_ids: list[uuid.UUID]
    programmes: list[str]
    items: list[Item]
    archived: bool
    version: int
    created_at: datetime
