"""The organisation's billing settings: whether an unexcused absence uses a class, and the
reminder lead time. Everyone in finance reads them; the owner and admins change them, with
If-Match. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass

from billing_svc.access import can_read
from billing_svc.context import Context, OrganisationUnknownError
from billing_svc.models import Organisation
from billing_svc.organisation import schemas
from billing_svc.organisation.repository import OrganisationRepository
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import Principal

MANAGE_ROLES = frozenset({"owner", "admin"})


def _read(org: Organisation) -> schemas.SettingsRead:
    return schemas.SettingsRead(
        absence_uses_class=org.absence_uses_class,
        reminder_lead_days=org.due_soon_days,
        currency=org.currency,
        time_zone=org.time_zone,
        version=org.version,
    )


@dataclass
class OrganisationSettings:
    ctx: Context

    async def read(self, principal: Principal) -> schemas.SettingsRead:
        tenant = can_read(principal)
        return _read(await self.ctx.organisation(tenant))

    async def update(
        self, principal: Principal, body: schemas.SettingsUpdate, expected_version: int
    ) -> schemas.SettingsRead:
        from crm_platform.preconditions import check_version

        tenant = principal.require_tenant()
        if principal.realm != "staff" or principal.role not in MANAGE_ROLES:
            raise ProblemError(403, "Forbidden", "needs the role owner or admin")
        repo = OrganisationRepository(self.ctx.session)
        org = await repo.for_update(tenant)
        if org is None:
            raise OrganisationUnknownError()
        check_version(org.version, expected_version)
        if body.absence_uses_class is not None:
            org.absence_uses_class = body.absence_uses_class
        if body.reminder_lead_days is not None and body.reminder_lead_days != org.due_soon_days:
            org.due_soon_days = body.reminder_lead_days
            await repo.move_reminders(tenant, body.reminder_lead_days)
        if body.model_fields_set:
            org.version += 1
        await self.ctx.session.flush()
        return _read(org)
