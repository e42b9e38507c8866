"""Events published by the identity context."""

from __future__ import annotations

import uuid

from crm_contracts.money import CurrencyCode
from crm_contracts.registry import EventPayload, registry


@registry.register("identity.organisation_registered", 1)
class OrganisationRegistered(EventPayload):
    organisation_id: uuid.UUID
    name: str
    currency: CurrencyCode
    time_zone: str
    locale: str
    first_branch_id: uuid.UUID
    owner_user_id: uuid.UUID


@registry.register("identity.branch_created", 1)
class BranchCreated(EventPayload):
    branch_id: uuid.UUID
    name: str
