"""Request and response models of tags and custom fields."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from clients_svc.schemas_common import (
    Read,
    Short,
    Strict,
    TagName,
)


class TagRead(Read):
    id: uuid.UUID
    name: str


class TagCreate(Strict):
    name: TagName


class TagUpdate(Strict):
    name: TagName


class ClientTagsReplace(Strict):
    tag_ids: list[uuid.UUID] = Field(max_length=50)


class CustomFieldCreate(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Short
    kind: Literal["text", "number", "date", "bool", "choice"]
    choices: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )

    @model_validator(mode="after")
    def _choices_fit_the_kind(self) -> CustomFieldCreate:
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice field needs its choices")
        if self.kind != "choice" and self.choices:
            raise ValueError("only a choice field has choices")
        return self


class CustomFieldRead(Read):
    id: uuid.UUID
    key: str
    label: str
    kind: str
    choices: list[str]
