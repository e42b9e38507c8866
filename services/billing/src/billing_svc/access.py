"""Who may see and move money, checked in the service as well as at the gateway.

- The tenant always comes from the internal token and scopes every query.
- Reading finances: staff with a finance role; a teacher whose finances are hidden gets 403.
- Writing: owner, admin, accountant (teachers never move money).
- Organisation-wide reports (payments, monthly figures, pack report) are for the owner and
  for admins and accountants, who see only their granted branches there; teachers read
  finances only of the clients the gateway let them reach (their groups' clients).
- A client named in a body (the receiver of a transfer) must belong to the tenant and, for a
  branch-scoped caller, to one of the caller's branches when billing knows the branch.
"""

from __future__ import annotations

import uuid

from billing_svc.models import Client
from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal

READ_ROLES = frozenset({"owner", "admin", "accountant", "teacher"})
WRITE_ROLES = frozenset({"owner", "admin", "accountant"})
REPORT_ROLES = frozenset({"owner", "admin", "accountant"})


def _staff(principal: Principal) -> uuid.UUID:
    if principal.realm != "staff":
        raise ProblemError(403, "Forbidden", "finances are for staff")
    return principal.require_tenant()


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
    return None if principal.all_branches else principal.branch_ids


def check_other_client(principal: Principal, client: Client | None) -> Client:
    if client is None or client.tenant_id != principal.tenant_id:
        raise NotFoundError("client")
    scope = branch_scope(principal)
    if scope is not None and client.branch_id is not None and client.branch_id not in scope:
        raise NotFoundError("client")
    return client
