"""Request and response models of families."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, model_validator

from clients_svc.cards.schemas import ClientCreate
from clients_svc.schemas_common import (
    ClientStatus,
    Strict,
)


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
