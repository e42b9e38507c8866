"""Who may see which staff, as SQL conditions: libs' `Scope` (crm_platform/scope.py) over
the grants. An owner sees every staff user of the organisation; a branch admin sees the
owner, staff of the whole organisation, and those granted one of the admin's branches or a
group in one of them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from crm_platform.scope import Scope
from identity_svc.models import Grant, Group, StaffUser


def staff_in_scope(scope: Scope) -> ColumnElement[bool]:
    """Staff working where the caller sees."""
    tenant = StaffUser.tenant_id == scope.tenant_id
    if scope.all_branches:
        return tenant
    granted = select(Grant.user_id).where(Grant.tenant_id == scope.tenant_id, grant_in_scope(scope))
    return and_(tenant, or_(StaffUser.role == "owner", StaffUser.id.in_(granted)))


def grant_in_scope(scope: Scope) -> ColumnElement[bool]:
    branches = sorted(scope.branch_ids)
    groups_there = select(Group.id).where(
        Group.tenant_id == scope.tenant_id, Group.branch_id.in_(branches)
    )
    return or_(
        Grant.scope == "organisation",
        and_(Grant.scope == "branch", Grant.scope_id.in_(branches)),
        and_(Grant.scope == "group", Grant.scope_id.in_(groups_there)),
    )
