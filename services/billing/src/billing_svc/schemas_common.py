"""Shapes every part of the API shares."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crm_platform.fields import MultiLine, OneLine, WholeNumber

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), MultiLine]
MinorUnits = Annotated[WholeNumber, Field(ge=0, le=10**13)]
PositiveMinor = Annotated[WholeNumber, Field(gt=0, le=10**13)]
Classes = Annotated[WholeNumber, Field(ge=1, le=100_000)]
IdList = Annotated[list[uuid.UUID], Field(max_length=500)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Money(Read):
    amount_minor: int
    currency: str
