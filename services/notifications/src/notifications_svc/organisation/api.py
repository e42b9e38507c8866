"""The organisation's notification settings: quiet hours in its own time zone."""

from __future__ import annotations

from fastapi import APIRouter, Request

from crm_platform.internal_auth import PrincipalDep, require_role
from notifications_svc.access import require_owner, tenant_of
from notifications_svc.deps import ContextDep
from notifications_svc.domain.triggers import (
    DEFAULT_CHANNEL_ORDER,
    DEFAULT_DAILY_NEWS_CAP,
    DEFAULT_SMS_MONTHLY_CAP,
)
from notifications_svc.models import Organisation
from notifications_svc.organisation.repository import OrganisationRepository
from notifications_svc.organisation.schemas import QuietHours, SettingsRead, SettingsUpdate

router = APIRouter()


def _read(request: Request, org: Organisation | None) -> SettingsRead:
    window = request.app.state.prefs.quiet_window(org)
    chosen = org.settings if org else {}
    return SettingsRead(
        time_zone=org.time_zone if org else "UTC",
        locale=org.locale if org else "en",
        quiet_hours=QuietHours(**window) if window else None,
        sms_enabled=bool(chosen.get("sms_enabled", False)),
        sms_monthly_cap=int(chosen.get("sms_monthly_cap", DEFAULT_SMS_MONTHLY_CAP)),
        daily_news_cap=int(chosen.get("daily_news_cap", DEFAULT_DAILY_NEWS_CAP)),
        channel_order=list(chosen.get("channel_order") or DEFAULT_CHANNEL_ORDER),
    )


@router.get("/settings")
async def get_settings(request: Request, principal: PrincipalDep, ctx: ContextDep) -> SettingsRead:
    require_role(principal, "owner", "admin")
    org = await OrganisationRepository(ctx.session).find(tenant_of(principal))
    return _read(request, org)


@router.patch("/settings")
async def update_settings(
    body: SettingsUpdate, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> SettingsRead:
    tenant = require_owner(principal)
    org = await OrganisationRepository(ctx.session).to_change(tenant)
    given = body.model_dump(include=body.model_fields_set)
    if "quiet_hours" in given:
        given["quiet_hours"] = body.quiet_hours.model_dump() if body.quiet_hours else None
    org.settings = dict(org.settings or {}) | given
    await ctx.session.flush()
    return _read(request, org)
