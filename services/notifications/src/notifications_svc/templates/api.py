from __future__ import annotations

from fastapi import APIRouter, Request, status

from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page
from notifications_svc.access import tenant_of
from notifications_svc.deps import ContextDep
from notifications_svc.templates import schemas
from notifications_svc.templates.service import Templates, triggers

router = APIRouter()


def _templates(request: Request, ctx: ContextDep) -> Templates:
    return Templates(ctx, request.app.state.settings.public_url)


@router.get("/triggers")
async def list_triggers(principal: PrincipalDep) -> Page[schemas.TriggerRead]:
    tenant_of(principal)
    return Page(items=triggers())


@router.get("/templates")
async def list_templates(
    request: Request,
    principal: PrincipalDep,
    ctx: ContextDep,
    trigger: str | None = None,
    locale: str | None = None,
) -> Page[schemas.TemplateRead]:
    return Page(items=await _templates(request, ctx).in_force(principal, trigger, locale))


@router.post("/templates")
async def save_template(
    body: schemas.TemplateWrite, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.TemplateRead:
    return await _templates(request, ctx).save(principal, body)


@router.post("/templates/preview")
async def preview_template(
    body: schemas.PreviewRequest, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.PreviewRead:
    return await _templates(request, ctx).preview(principal, body)


@router.post("/templates/test-send", status_code=status.HTTP_202_ACCEPTED)
async def test_send(
    body: schemas.TestSend, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.TestSent:
    return await _templates(request, ctx).test_send(principal, body)
