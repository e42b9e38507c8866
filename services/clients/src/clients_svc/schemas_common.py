"""Field types and bases that the request and response models of every feature share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from crm_platform.fields import MultiLine, OneLine

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), OneLine
]
Note = Annotated[str, StringConstraints(max_length=5000), MultiLine]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), OneLine
]
TagName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), OneLine
]
ClientStatus = Literal["active", "frozen", "archived"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)
