"""Who may see and move money, checked in the service as well as at the gateway.

- The tenant always comes from the internal token and scopes every query.
- Reading finances: staff with a finance role; a teacher whose finances are hidden gets 403.
- Writing: owner, admin, accountant (teachers never move money).
- Organisation-wide reports (payments, monthly figures, pack report) are for the owner and
  for admins and accountants, who see only their granted branches there; teachers read
  finances only of the clients the gateway let them reach (their groups' clients).
- Ids named in a body (the receiver of a transfer, a family pack's users, the branch and
  group a pack is sold for, the groups and branches a catalogue service is for) are checked
  with libs' `Visibility` (crm_platform/scope.py) over what billing knows of each
  (`visibility`): a client by its home branch, a group by its branch, a branch of the
  organisation from identity's events. One the caller may not see answers 422 naming the
  field, exactly as an unknown id does.
- Anyone who is not staff of an organisation gets 404, as in every service.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import Client
from billing_svc.readmodels import ReadModels
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Scope, Visibility

READ_ROLES = frozenset({"owner", "admin", "accountant", "teacher"})
WRITE_ROLES = frozenset({"owner", "admin", "accountant"})
REPORT_ROLES = frozenset({"owner", "admin", "accountant"})


def _staff(principal: Principal) -> uuid.UUID:
    return Scope.of(principal).tenant_id


def can_read(principal: Principal) -> uuid.UUID:
    tenant = _staff(principal)
    if principal.role not in READ_ROLES or (
        principal.role == "teacher" and principal.finances_hidden
    ):
        raise ProblemError(403, "Forbidden", "finances are hidden for this user")
    return tenant


def can_write(principal: Principal) -> uuid.UUID:
    tenant = _staff(principal)
    if principal.role not in WRITE_ROLES:
        raise ProblemError(403, "Forbidden", "needs the role owner, admin or accountant")
    return tenant


def can_report(principal: Principal) -> uuid.UUID:
    tenant = can_read(principal)
    if principal.role not in REPORT_ROLES:
        raise ProblemError(403, "Forbidden", "organisation reports need a finance role")
    return tenant


def branch_scope(principal: Principal) -> frozenset[uuid.UUID] | None:
    """None: every branch; else the branches a report may show."""
    scope = Scope.of(principal)
    return None if scope.all_branches else scope.branch_ids


def client_place(client: Client) -> Place:
    return Place.of(client.tenant_id, [client.branch_id])


def visibility(session: AsyncSession, principal: Principal) -> Visibility:
    """Whether the caller may act on a client, branch or group named in a body (libs' one
    scope rule over billing's read models)."""
    models = ReadModels(session)

    async def client(tenant_id: uuid.UUID, client_id: uuid.UUID) -> Place | None:
        found = await models.find_client(client_id)
        return None if found is None or found.tenant_id != tenant_id else client_place(found)

    async def branch(tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Place | None:
        found = await models.find_branch(branch_id)
        return None if found is None else Place.of(found.tenant_id, [branch_id])

    async def group(tenant_id: uuid.UUID, group_id: uuid.UUID) -> Place | None:
        found = await models.find_group(group_id)
        if found is None:
            return None
        return Place.of(found.tenant_id, [found.branch_id], [found.id])

    return Visibility(principal, {"client": client, "branch": branch, "group": group})


def visible_clients(principal: Principal, client_column: Any) -> ColumnElement[bool]:
    """SQL condition on a row's client: its client's home branch is one the caller sees."""
    scope = Scope.of(principal)
    if scope.all_branches:
        return true()
    visible: ColumnElement[bool] = client_column.in_(
        select(Client.id).where(scope.where(Client.tenant_id, Client.branch_id))
    )
    return visible
