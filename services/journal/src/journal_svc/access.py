"""Who may see and change what, enforced here as well as at the gateway.

An owner sees every group of the organisation; anyone sees the groups of the branches they
hold; a teacher also sees the groups granted to them. What a caller may not see answers 404,
as if it did not exist; a list applies the same rule in SQL.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, false, or_

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from journal_svc.models import Group

WRITERS = ("owner", "admin")
MARKERS = ("owner", "admin", "teacher")


def tenant_of(principal: Principal) -> uuid.UUID:
    if principal.realm != "staff":
        raise NotFoundError("resource")
    return principal.require_tenant()


def visible_groups(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition on `groups` for what this caller may see."""
    tenant = tenant_of(principal)
    if principal.all_branches:
        return Group.tenant_id == tenant
    either: list[ColumnElement[bool]] = []
    if principal.branch_ids:
        either.append(Group.branch_id.in_(principal.branch_ids))
    if principal.role == "teacher" and principal.group_ids:
        either.append(Group.id.in_(principal.group_ids))
    if not either:
        return false()
    return and_(Group.tenant_id == tenant, or_(*either))


def can_see(
    principal: Principal, tenant_id: uuid.UUID, branch_id: uuid.UUID, group_id: uuid.UUID
) -> bool:
    if principal.realm != "staff" or principal.tenant_id != tenant_id:
        return False
    if principal.all_branches or branch_id in principal.branch_ids:
        return True
    return principal.role == "teacher" and group_id in principal.group_ids
