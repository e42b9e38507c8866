"""HTTP routes of the notifications context. Every route requires the gateway's internal
token; /api/v1/notifications gathers the routers of each part."""

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal
from notifications_svc.broadcasts.api import router as broadcasts_router
from notifications_svc.deliveries.api import router as deliveries_router
from notifications_svc.mailbox.api import router as mailbox_router
from notifications_svc.optouts.api import router as optouts_router
from notifications_svc.organisation.api import router as organisation_router
from notifications_svc.reach.api import router as reach_router
from notifications_svc.telegram.api import router as telegram_router
from notifications_svc.templates.api import router as templates_router
from notifications_svc.unsubscribe.api import router as unsubscribe_router

router = APIRouter(
    prefix="/api/v1/notifications", tags=["notifications"], dependencies=[Depends(get_principal)]
)
for part in (
    deliveries_router,
    broadcasts_router,
    templates_router,
    optouts_router,
    reach_router,
    organisation_router,
    mailbox_router,
    unsubscribe_router,
    telegram_router,
):
    router.include_router(part)
