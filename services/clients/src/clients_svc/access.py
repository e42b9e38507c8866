"""What a caller may see and do: the SQL condition every client query uses, and the roles.

The rule is libs' `Scope` (crm_platform/scope.py), applied to a client's places: its home
branch and the groups (with their branches) of its current memberships. So an owner sees every
client of the organisation, a caller with branch grants sees clients whose home branch or a
current group's branch is granted, and a teacher with group grants sees clients currently
enrolled in a granted group. A membership is current until its until_date has passed (a start
in the future already counts: the teacher meets the pupil soon).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from clients_svc.models import Client, Membership
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope

WRITERS = ("owner", "admin", "teacher")
MANAGERS = ("owner", "admin")


def actor_of(principal: Principal) -> str | None:
    return principal.subject if principal.realm == "staff" else None


def current_membership(today: date) -> ColumnElement[bool]:
    return or_(Membership.until_date.is_(None), Membership.until_date >= today)


def visible_clients(principal: Principal, tenant_id: uuid.UUID, today: date) -> ColumnElement[bool]:
    """Tenant and grant scope of `clients` rows; combine with any further filter."""
    if principal.realm == "system":
        return and_(Client.tenant_id == tenant_id, true())
    if principal.realm != "staff" or principal.tenant_id != tenant_id:
        return false()
    scope = Scope.of(principal)
    if scope.all_branches:
        return scope.where(Client.tenant_id)
    through_membership = select(Membership.client_id).where(
        Membership.tenant_id == tenant_id,
        scope.where(Membership.tenant_id, Membership.branch_id, Membership.group_id),
        current_membership(today),
    )
    return or_(
        scope.where(Client.tenant_id, Client.branch_id),
        and_(Client.tenant_id == tenant_id, Client.id.in_(through_membership)),
    )
