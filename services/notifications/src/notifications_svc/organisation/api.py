"""The organisation's notification settings: quiet hours in its own time zone."""

from __future__ import annotations

from fastapi import APIRouter, Request

from crm_platform.internal_auth import PrincipalDep, require_role
from notifications_svc.access import require_owner, tenant_of
from notifications_svc.deps import ContextDep
from notifications_svc.models import Organisation
from notifications_svc.organisation.schemas import QuietHours, SettingsRead, SettingsUpdate

router = APIRouter()


def _read(request: Request, org: Organisation | None) -> SettingsRead:
    window = request.app.state.prefs.quiet_window(org)
    return SettingsRead(
        time_zone=org.time_zone if org else "UTC",
        locale=org.locale if org else "en",
        quiet_hours=QuietHours(**window) if window else None,
    )


@router.get("/settings")
async def get_settings(request: Request, principal: PrincipalDep, ctx: ContextDep) -> SettingsRead:
    require_role(principal, "owner", "admin")
    org = await ctx.session.get(Organisation, tenant_of(principal))
    return _read(request, org)


@router.patch("/settings")
async def update_settings(
    body: SettingsUpdate, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> SettingsRead:
    tenant = require_owner(principal)
    org = await ctx.session.get(Organisation, tenant)
    if org is None:
        org = Organisation(id=tenant, name="", settings={})
        ctx.session.add(org)
    quiet = body.quiet_hours.model_dump() if body.quiet_hours else None
    org.settings = dict(org.settings or {}) | {"quiet_hours": quiet}
    await ctx.session.flush()
    return _read(request, org)
