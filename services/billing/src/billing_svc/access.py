"""Who may see and move money, checked in the service as well as at the gateway.

- The tenant always comes from the internal token and scopes every query.
- Reading finances: staff with a finance role; a teacher whose finances are hidden gets 403.
- Writing: owner, admin, accountant (teachers never move money).
- Organisation-wide reports (payments, monthly figures, pack report) are for the owner and
  for admins and accountants, who see only their granted branches there; teachers read
  finances only of the clients the gateway let them reach (their groups' clients).
- A client named in a body (the receiver of a transfer, a family pack's user) is checked with
  libs' scope rule (crm_platform/scope.py) against the client's home branch as billing knows
  it: not visible answers 404, exactly as an unknown client does.
- Anyone who is not staff of an organisation gets 404, as in every service.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, select, true

from billing_svc.models import Client
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Scope

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


def check_other_client(principal: Principal, client: Client | None) -> Client:
    """A client named in a body: 404 unless the caller sees it, as if it did not exist."""
    Scope.of(principal).require("client", None if client is None else client_place(client))
    assert client is not None
    return client


def visible_clients(principal: Principal, client_column: Any) -> ColumnElement[bool]:
    """SQL condition on a row's client: its client's home branch is one the caller sees."""
    scope = Scope.of(principal)
    if scope.all_branches:
        return true()
    visible: ColumnElement[bool] = client_column.in_(
        select(Client.id).where(scope.where(Client.tenant_id, Client.branch_id))
    )
    return visible
