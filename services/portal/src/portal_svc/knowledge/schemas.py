"""Knowledge-centre materials: what staff publish and what a client sees."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from crm_platform.pagination import WholeList
from portal_svc.schemas_common import Read

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=100_000)]


class MaterialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    links: list[AnyHttpUrl] = Field(default_factory=list, max_length=50)
    # None: for every client of the chain (owners only); else one branch's clients.
    branch_id: uuid.UUID | None = None


class MaterialUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    links: list[AnyHttpUrl] | None = Field(default=None, max_length=50)


class FileRead(Read):
    id: uuid.UUID
    name: str
    content_type: str
    size: int


class ClientFile(FileRead):
    # A signed link, valid for a few minutes.
    url: str
    expires_at: datetime


class MaterialRead(Read):
    id: uuid.UUID
    branch_id: uuid.UUID | None
    title: str
    body: str
    links: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    files: list[FileRead]


class ClientMaterial(Read):
    id: uuid.UUID
    branch_id: uuid.UUID | None
    title: str
    body: str
    links: list[str]
    updated_at: datetime
    files: list[ClientFile]


class Knowledge(Read, WholeList):
    """The materials a client sees, whole; `client_id` says whose (a family account may leave
    it out and be answered for its linked client)."""

    client_id: uuid.UUID
    items: list[ClientMaterial]
