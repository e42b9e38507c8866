"""Events published by the clients context.

A card's changes are published as its whole current state (client_registered, client_updated),
so a consumer keeps its copy by replacing it. Status changes have events of their own because
other contexts act on them: billing pauses packs and reminders while a client is frozen, the
journal greys out an archived client's row.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from crm_contracts.registry import EventPayload, registry

ClientStatus = Literal["active", "frozen", "archived"]
LeadStatus = Literal["new", "contacted", "trial", "won", "lost"]


class ClientState(EventPayload):
    """The card as it is now; notifications use only a confirmed email."""

    client_id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None = None  # E.164
    email: str | None = None
    email_confirmed: bool = False
    birthday: date | None = None
    branch_id: uuid.UUID | None = None
    status: ClientStatus = "active"
    lead_source: str | None = None
    family_id: uuid.UUID | None = None
    tag_ids: list[uuid.UUID] = Field(default_factory=list)
    # the language the client's messages are written in (None: the organisation's)
    locale: str | None = None


@registry.register("clients.client_registered", 1)
class ClientRegistered(ClientState):
    pass


@registry.register("clients.client_updated", 1)
class ClientUpdated(ClientState):
    pass


@registry.register("clients.client_frozen", 1)
class ClientFrozen(EventPayload):
    """Packs and reminders pause from `from_date` to `until_date` (both included)."""

    client_id: uuid.UUID
    from_date: date
    until_date: date
    reason: str


@registry.register("clients.client_unfrozen", 1)
class ClientUnfrozen(EventPayload):
    client_id: uuid.UUID
    # "manual": staff ended the freeze; "period_ended": the freeze ran out by itself.
    reason: Literal["manual", "period_ended"]


@registry.register("clients.client_archived", 1)
class ClientArchived(EventPayload):
    client_id: uuid.UUID


@registry.register("clients.client_restored", 1)
class ClientRestored(EventPayload):
    client_id: uuid.UUID


@registry.register("clients.email_confirmation_requested", 1)
class EmailConfirmationRequested(EventPayload):
    """Carries the confirmation token so that notifications can email the link."""

    client_id: uuid.UUID
    email: str
    name: str
    confirmation_token: str
    expires_at: datetime


@registry.register("clients.lead_created", 1)
class LeadCreated(EventPayload):
    lead_id: uuid.UUID
    first_name: str
    last_name: str
    phone: str | None = None
    email: str | None = None
    source: str | None = None
    branch_id: uuid.UUID | None = None


@registry.register("clients.lead_status_changed", 1)
class LeadStatusChanged(EventPayload):
    lead_id: uuid.UUID
    status: LeadStatus
    lost_reason: str | None = None


@registry.register("clients.lead_converted", 1)
class LeadConverted(EventPayload):
    lead_id: uuid.UUID
    client_id: uuid.UUID


@registry.register("clients.family_changed", 1)
class FamilyChanged(EventPayload):
    """The whole family as it is now; an empty member list means it was dissolved."""

    family_id: uuid.UUID
    member_ids: list[uuid.UUID]
    payer_client_id: uuid.UUID | None = None


@registry.register("clients.messenger_bound", 1)
class MessengerBound(EventPayload):
    client_id: uuid.UUID
    channel: Literal["telegram", "viber"]
    chat_id: str


@registry.register("clients.email_confirmation_requested", 2)
class EmailConfirmationRequestedV2(EventPayload):
    """The confirmation token sealed to notifications' public key (purpose "confirm_email")."""

    client_id: uuid.UUID
    email: str
    name: str
    sealed_token: str
    expires_at: datetime


@registry.register("clients.portal_signup_decided", 1)
class PortalSignupDecided(EventPayload):
    """Whom a portal sign-up belongs to: "linked" to the one active client whose card holds the
    proven email (confirmed) or phone; "lead" when no card does (a lead was created); "refused"
    when only archived cards do; "review" when several active cards do (staff decide). The
    staff are told of "refused" and "review" by a task on each card concerned."""

    account_id: uuid.UUID
    outcome: Literal["linked", "lead", "refused", "review"]
    client_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None


@registry.register("clients.profile_change_decided", 1)
class ProfileChangeDecided(EventPayload):
    """What became of a client's profile change request: "received" (waiting for staff),
    "approved" (the card was changed; a new email is confirmed by the usual letter),
    "rejected" (`reason` from staff) or "refused" (the request could not be taken)."""

    request_id: uuid.UUID
    client_id: uuid.UUID
    status: Literal["received", "approved", "rejected", "refused"]
    reason: str | None = None
