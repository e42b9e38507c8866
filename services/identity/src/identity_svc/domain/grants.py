"""Which grants each role takes, and what a staff user may reach as other services learn it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from crm_contracts.events.identity import AccessChanged
from identity_svc.models import Grant, StaffUser

# Which grant scopes each role takes; an owner sees the whole organisation.
ROLE_SCOPES: dict[str, set[str]] = {
    "owner": set(),
    "admin": {"branch"},
    "accountant": {"branch"},
    "teacher": {"group", "branch"},
}


def grant_errors(
    role: str,
    scopes: Sequence[tuple[str, uuid.UUID]],
    known_branches: set[uuid.UUID],
) -> list[tuple[str, str]]:
    """Field errors of grants (scope, scope id) given to a user of `role`."""
    allowed = ROLE_SCOPES[role]
    errors = [
        (
            f"grants.{i}.scope",
            f"a {role} takes grants of scope {', '.join(sorted(allowed)) or 'none'}",
        )
        for i, (scope, _) in enumerate(scopes)
        if scope not in allowed
    ]
    errors += [
        (f"grants.{i}.scope_id", "no such branch")
        for i, (scope, scope_id) in enumerate(scopes)
        if scope == "branch" and scope_id not in known_branches
    ]
    return errors


def access_changed(user: StaffUser, grants: Sequence[Grant]) -> AccessChanged:
    return AccessChanged(
        user_id=user.id,
        role=user.role,
        status=user.status,
        finances_hidden=user.finances_hidden and user.role == "teacher",
        organisation_wide=user.role == "owner",
        branch_ids=sorted({g.scope_id for g in grants if g.scope == "branch"}),
        group_ids=sorted({g.scope_id for g in grants if g.scope == "group"}),
        email=user.email,
        name=user.name,
    )
