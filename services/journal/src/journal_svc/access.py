"""Who may see and change what, enforced here as well as at the gateway.

The rule is libs' `Scope` (crm_platform/scope.py): an owner sees every group of the
organisation; anyone sees the groups of the branches they hold; a teacher also sees the
groups granted to them. What a caller may not see answers 404, as if it did not exist; a list
applies the same rule in SQL through `visible_groups`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement

from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope
from journal_svc.models import Group

WRITERS = ("owner", "admin")
MARKERS = ("owner", "admin", "teacher")


def tenant_of(principal: Principal) -> uuid.UUID:
    return Scope.of(principal).tenant_id


def visible_groups(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition on `groups` for what this caller may see."""
    return Scope.of(principal).where(Group.tenant_id, Group.branch_id, Group.id)
