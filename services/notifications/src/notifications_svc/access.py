"""Who may see which messages, enforced here as well as at the gateway.

An owner (or anyone holding every branch) sees the organisation's whole log; an admin the
messages of clients of the branches they hold; an accountant only the payment reminders of
those branches; a teacher the messages of clients enrolled in the groups granted to them.
Messages to staff (invitations, resets) are seen by the organisation-wide only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_, select

from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Scope
from notifications_svc.models import Client, ClientGroup, Message

PAYMENT_TRIGGERS = ("payment_due_soon", "payment_overdue")


def tenant_of(principal: Principal) -> uuid.UUID:
    if principal.realm != "staff":
        raise NotFoundError("resource")
    return principal.require_tenant()


def require_owner(principal: Principal) -> uuid.UUID:
    tenant = tenant_of(principal)
    if principal.role != "owner":
        raise ProblemError(403, "Forbidden", "needs the role owner")
    return tenant


def visible_messages(principal: Principal) -> ColumnElement[bool]:
    tenant = tenant_of(principal)
    if principal.all_branches:
        return Message.tenant_id == tenant
    either: list[ColumnElement[bool]] = []
    branches = principal.branch_ids
    if principal.role == "admin" and branches:
        either.append(Message.branch_id.in_(branches))
    if principal.role == "accountant" and branches:
        either.append(and_(Message.branch_id.in_(branches), Message.trigger.in_(PAYMENT_TRIGGERS)))
    if principal.role == "teacher" and principal.group_ids:
        enrolled = select(ClientGroup.client_id).where(
            ClientGroup.tenant_id == tenant, ClientGroup.group_id.in_(principal.group_ids)
        )
        either.append(Message.client_id.in_(enrolled))
    if not either:
        return false()
    return and_(Message.tenant_id == tenant, or_(*either))


def sees_client(
    principal: Principal,
    client: Client,
    group_ids: set[uuid.UUID],
    group_branches: Iterable[uuid.UUID] = (),
) -> bool:
    """Whether the caller may see this client (`group_ids`: the groups it is enrolled in;
    `group_branches`: their branches, where the client belongs too), by libs' one scope
    rule."""
    if principal.realm != "staff" or principal.tenant_id is None:
        return False
    place = Place.of(client.tenant_id, [client.branch_id, *group_branches], group_ids)
    return Scope.of(principal).sees(place)
