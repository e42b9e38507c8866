"""HTTP routes of the clients context, gathered from each feature's routers. Every route
requires the gateway's internal token; staff routes a staff caller, internal ones the system."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from clients_svc.cards import api as cards
from clients_svc.families import api as families
from clients_svc.history import api as history
from clients_svc.imports import api as imports
from clients_svc.leads import api as leads
from clients_svc.links import api as links
from clients_svc.portal_signups import api as portal_signups
from clients_svc.profile_requests import api as profile_requests
from clients_svc.statuses import api as statuses
from clients_svc.tags import api as tags
from clients_svc.tasks import api as tasks
from crm_platform.internal_auth import get_principal, staff_only, system_only

router = APIRouter(
    prefix="/api/v1/clients",
    tags=["clients"],
    dependencies=[Depends(get_principal), Depends(staff_only)],
)
public_router = APIRouter(
    prefix="/api/v1/clients", tags=["clients"], dependencies=[Depends(get_principal)]
)
internal_router = APIRouter(
    prefix="/internal/v1/clients",
    tags=["internal"],
    dependencies=[Depends(get_principal), Depends(system_only)],
)
# Static paths (/clients/duplicates) come before /clients/{client_id} in cards.router.
for part in (
    cards.router,
    statuses.router,
    tags.router,
    history.router,
    imports.router,
    families.router,
    links.router,
    tasks.router,
    leads.router,
    profile_requests.router,
    portal_signups.router,
):
    router.include_router(part)
public_router.include_router(cards.public_router)
for part in (links.internal_router, leads.internal_router):
    internal_router.include_router(part)

routers = [router, public_router, internal_router]
