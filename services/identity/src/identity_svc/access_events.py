"""The events other contexts keep identity's state from, built in one place for the changes
that publish them and for their re-announce (announce/service.py)."""

from __future__ import annotations

from collections.abc import Sequence

from crm_contracts.events.identity import BranchCreated
from crm_messaging import UnitOfWork
from identity_svc.domain.grants import access_changed
from identity_svc.models import Branch, Grant, StaffUser


def branch_created(branch: Branch) -> BranchCreated:
    return BranchCreated(branch_id=branch.id, name=branch.name)


async def emit_access(ctx: UnitOfWork, user: StaffUser, grants: Sequence[Grant]) -> None:
    """The user's whole access, as of now; the user keeps the event's time, which a
    re-announce of this state carries."""
    envelope = await ctx.outbox.emit(
        ctx.session, access_changed(user, grants), tenant_id=user.tenant_id, subject=user.id
    )
    user.access_as_of = envelope.time
