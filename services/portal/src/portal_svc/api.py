"""HTTP routes of the portal context. Every route requires the gateway's internal token.

/portal/v1 is the client's own API (a portal token or an anonymous personal link, as the
gateway decided); /api/v1/portal is for staff."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal
from portal_svc.knowledge.api import client_router as knowledge_router
from portal_svc.knowledge.api import staff_router
from portal_svc.makeups.api import router as makeups_router
from portal_svc.messages.api import router as messages_router
from portal_svc.overview.api import router as overview_router
from portal_svc.profile.api import router as profile_router
from portal_svc.records.api import router as records_router

router = APIRouter(prefix="/portal/v1", tags=["portal"], dependencies=[Depends(get_principal)])
for part in (
    overview_router,
    records_router,
    makeups_router,
    knowledge_router,
    messages_router,
    profile_router,
):
    router.include_router(part)

__all__ = ["router", "staff_router"]
