"""Events published by the identity context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

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
    # The deployment's default plan and its limits (None: an older event, read as "free").
    plan: str | None = None
    max_active_clients: int | None = None
    max_branches: int | None = None
    max_staff: int | None = None


@registry.register("identity.branch_created", 1)
class BranchCreated(EventPayload):
    branch_id: uuid.UUID
    name: str


@registry.register("identity.organisation_updated", 1)
class OrganisationUpdated(EventPayload):
    organisation_id: uuid.UUID
    name: str
    currency: CurrencyCode
    time_zone: str
    locale: str
    plan: str


@registry.register("identity.branch_updated", 1)
class BranchUpdated(EventPayload):
    branch_id: uuid.UUID
    name: str
    archived: bool


@registry.register("identity.staff_invited", 1)
class StaffInvited(EventPayload):
    """Carries the set-password token so that notifications can email the link."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str
    invite_token: str
    expires_at: datetime


@registry.register("identity.access_changed", 1)
class AccessChanged(EventPayload):
    """The whole current access of one staff user; the gateway's access map replaces its copy."""

    user_id: uuid.UUID
    role: str
    status: str
    finances_hidden: bool
    organisation_wide: bool
    branch_ids: list[uuid.UUID]
    group_ids: list[uuid.UUID]
    # where notifications write to staff (None: an older event)
    email: str | None = None
    name: str | None = None


@registry.register("identity.password_reset_requested", 1)
class PasswordResetRequested(EventPayload):
    user_id: uuid.UUID
    email: str
    name: str
    reset_token: str
    expires_at: datetime


@registry.register("identity.staff_invited", 2)
class StaffInvitedV2(EventPayload):
    """v1 carried the token in plain text; v2 carries it sealed to notifications' public key
    (crm_platform.sealing, purpose "invite"), so only notifications can open it."""

    user_id: uuid.UUID
    email: str
    name: str
    role: str
    sealed_token: str
    expires_at: datetime


@registry.register("identity.password_reset_requested", 2)
class PasswordResetRequestedV2(EventPayload):
    """The reset token sealed to notifications' public key (purpose "reset")."""

    user_id: uuid.UUID
    email: str
    name: str
    sealed_token: str
    expires_at: datetime


@registry.register("identity.portal_code_issued", 1)
class PortalCodeIssued(EventPayload):
    """A one-time code for the client portal, for notifications to deliver: to the email or
    phone in `login` (`channel`), or to the Telegram chat bound to one of `client_ids`.
    Issued only for an account that exists (sign-in, password reset) or for an address being
    proven (sign-up); the caller's answer is the same either way. The code is sealed to
    notifications' public key (crm_platform.sealing, purpose "portal_code")."""

    login: str
    channel: Literal["email", "phone"]
    # contact: a portal account proving a new email or phone for a change of the card
    purpose: Literal["signin", "reset", "signup", "contact"]
    sealed_code: str
    expires_at: datetime
    account_id: uuid.UUID | None = None
    client_ids: list[uuid.UUID] = []


@registry.register("identity.portal_signup_requested", 1)
class PortalSignupRequested(EventPayload):
    """A person proved control of `login` (email or phone) and asked for a portal account;
    the account waits (pending) until clients decides whom it belongs to."""

    account_id: uuid.UUID
    login: str
    channel: Literal["email", "phone"]
    first_name: str
    last_name: str


@registry.register("identity.portal_contact_proven", 1)
class PortalContactProven(EventPayload):
    """A signed-in portal account proved control of `login` (a new email or phone it asked
    to put on the card) with a code sent there; the portal sends its waiting change."""

    account_id: uuid.UUID
    login: str
    channel: Literal["email", "phone"]


@registry.register("identity.organisation_plan_changed", 1)
class OrganisationPlanChanged(EventPayload):
    """An operator set the organisation's plan, its limits (None: no limit) or suspended or
    reactivated it. It carries the whole standing: a consumer replaces its copy, newest wins."""

    organisation_id: uuid.UUID
    plan: str
    max_active_clients: int | None = None
    max_branches: int | None = None
    max_staff: int | None = None
    status: Literal["active", "suspended"] = "active"
    suspended_reason: str | None = None
