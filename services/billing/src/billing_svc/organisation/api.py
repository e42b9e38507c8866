"""The organisation's billing settings."""

from __future__ import annotations

from fastapi import APIRouter, Response

from billing_svc.deps import ContextDep
from billing_svc.organisation import schemas
from billing_svc.organisation.service import OrganisationSettings
from crm_platform.internal_auth import PrincipalDep
from crm_platform.preconditions import IfMatch, required_version

router = APIRouter(prefix="/settings")


def _etag(response: Response, settings: schemas.SettingsRead) -> schemas.SettingsRead:
    response.headers["ETag"] = f'"{settings.version}"'
    return settings


@router.get("")
async def read_settings(
    principal: PrincipalDep, ctx: ContextDep, response: Response
) -> schemas.SettingsRead:
    """Whether an unexcused absence uses a class, and the reminder lead time in days."""
    return _etag(response, await OrganisationSettings(ctx).read(principal))


@router.patch("")
async def update_settings(
    body: schemas.SettingsUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.SettingsRead:
    """Owner and admins; If-Match with the version read (412 when it changed since)."""
    settings = await OrganisationSettings(ctx).update(principal, body, required_version(if_match))
    return _etag(response, settings)
