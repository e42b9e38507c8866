"""Request and response models of the clients API: separate Create, Update and Read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from clients_svc.domain.history import Section
from clients_svc.import_docs import IMPORT_EXAMPLE, MAPPING_DESCRIPTION, MAPPING_EXAMPLE
from crm_platform.fields import BusinessDate, MultiLine, OneLine

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
LeadStatus = Literal["new", "contacted", "trial", "won", "lost"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- cards -------------------------------------------------------------------------------


class ClientCreate(Strict):
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None
    birthday: BusinessDate | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None
    lead_source: Short | None = None
    tag_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class ClientUpdate(Strict):
    """Only the fields sent change; null clears an optional field."""

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    birthday: BusinessDate | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None
    lead_source: Short | None = None
    custom_fields: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _names_are_not_cleared(self) -> ClientUpdate:
        for name in ("first_name", "last_name"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class TagRead(Read):
    id: uuid.UUID
    name: str


class ClientRead(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    email_confirmed: bool
    birthday: date | None
    age: int | None
    note: str | None
    branch_id: uuid.UUID | None
    lead_source: str | None
    tags: list[TagRead]
    custom_fields: dict[str, Any]
    status: ClientStatus
    frozen_from: date | None
    frozen_until: date | None
    freeze_reason: str | None
    archived_at: datetime | None
    family_id: uuid.UUID | None
    group_ids: list[uuid.UUID]
    # Absent (null) for a teacher whose finances are hidden, or before billing reported it.
    balance_minor: int | None
    balance_currency: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class Duplicate(BaseModel):
    """Another card with the same phone or email. A card the caller may not see is named
    only as existing."""

    field: Literal["phone", "email"]
    client_id: uuid.UUID | None
    name: str | None


class ClientCreated(ClientRead):
    duplicates: list[Duplicate]


class Duplicates(BaseModel):
    duplicates: list[Duplicate]


class FreezeIn(Strict):
    from_date: BusinessDate | None = None  # today when omitted
    until_date: BusinessDate
    reason: Reason


# --- tags and custom fields ----------------------------------------------------------------


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


# --- families --------------------------------------------------------------------------------


class FamilyAdd(Strict):
    """Add an existing client (`client_id`) or a new one (`new_client`) to the family."""

    client_id: uuid.UUID | None = None
    new_client: ClientCreate | None = None

    @model_validator(mode="after")
    def _one_of(self) -> FamilyAdd:
        if (self.client_id is None) == (self.new_client is None):
            raise ValueError("send either client_id or new_client")
        return self


class PayerIn(Strict):
    client_id: uuid.UUID | None  # null: nobody pays for the family


class FamilyMember(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    status: ClientStatus
    is_payer: bool


class FamilyRead(BaseModel):
    family_id: uuid.UUID | None
    payer_client_id: uuid.UUID | None
    members: list[FamilyMember]


# --- leads -----------------------------------------------------------------------------------


class LeadCreate(Strict):
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None
    source: Short | None = None
    note: Note | None = None
    branch_id: uuid.UUID | None = None


class LeadUpdate(Strict):
    status: LeadStatus | None = None
    lost_reason: Reason | None = None
    note: Note | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    source: Short | None = None


class LeadRead(Read):
    id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    source: str | None
    note: str | None
    branch_id: uuid.UUID | None
    status: LeadStatus
    lost_reason: str | None
    client_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class LeadConvert(Strict):
    """Fields for the new card that the lead did not have."""

    branch_id: uuid.UUID | None = None
    birthday: BusinessDate | None = None


class PortalLeadIn(Strict):
    """A portal sign-up by a person the organisation does not know (internal, from portal)."""

    organisation_id: uuid.UUID
    first_name: Name
    last_name: Name
    phone: Phone | None = None
    email: EmailStr | None = None


# --- personal links and messenger binding -------------------------------------------------------


class LinkIssued(BaseModel):
    client_id: uuid.UUID
    token: str  # shown once: only its digest is kept
    issued_at: datetime


class LinkState(BaseModel):
    client_id: uuid.UUID
    active: bool
    issued_at: datetime | None


class LinkLookup(Strict):
    token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


class LinkResolved(BaseModel):
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    first_name: str
    last_name: str
    status: ClientStatus


class MessengerBind(Strict):
    organisation_id: uuid.UUID
    channel: Literal["telegram", "viber"]
    chat_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    phone: Phone


class MessengerBound(BaseModel):
    client_ids: list[uuid.UUID]
    names: list[str]


class EmailConfirm(Strict):
    token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


# --- tasks and history -------------------------------------------------------------------------


class TaskCreate(Strict):
    kind: Literal["call", "task"] = "call"
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
    ]
    due_date: BusinessDate
    assignee_id: uuid.UUID | None = None
    note: Note | None = None


class TaskUpdate(Strict):
    status: Literal["open", "done", "cancelled"] | None = None
    due_date: BusinessDate | None = None
    assignee_id: uuid.UUID | None = None
    note: Note | None = None


class TaskRead(Read):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    title: str
    due_date: date
    assignee_id: uuid.UUID | None
    status: str
    note: str | None
    version: int
    created_at: datetime


class HistoryRead(Read):
    id: uuid.UUID
    section: Section
    kind: str
    summary: str
    data: dict[str, Any]
    actor: str | None
    occurred_at: datetime


# --- import ----------------------------------------------------------------------------------

ImportField = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z][a-z0-9_]*)?$")]


class ImportOptions(Strict):
    format: Literal["csv", "xlsx"]
    mapping: dict[ImportField, Annotated[str, StringConstraints(min_length=1, max_length=200)]] = (
        Field(description=MAPPING_DESCRIPTION, examples=[MAPPING_EXAMPLE])
    )
    dry_run: bool = Field(
        default=True, description="true: only report what would be imported and every bad row"
    )
    delimiter: Literal[",", ";", "\t"] | None = Field(
        default=None, description="CSV only: the column separator (guessed when left out)"
    )

    model_config = ConfigDict(extra="forbid")


class ImportIn(ImportOptions):
    content_base64: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="the file's bytes, base64-encoded"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [IMPORT_EXAMPLE]},
    )


class RowProblem(BaseModel):
    row: int
    field: str
    message: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: int
    imported: int
    new_tags: list[str]
    errors: list[RowProblem]
    warnings: list[RowProblem]


# --- internal ---------------------------------------------------------------------------------


class Location(BaseModel):
    tenant_id: uuid.UUID
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]
