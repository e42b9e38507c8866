"""HTTP routes of the clients context. Every route requires the gateway's internal token."""

from clients_svc.api.cards import router as cards_router
from clients_svc.api.internal import internal_router, public_router
from clients_svc.api.organise import router as organise_router
from clients_svc.api.profile_requests import router as profile_router
from clients_svc.api.work import router as work_router

# Static paths (/clients/duplicates) come before /clients/{client_id} in cards_router.
routers = [
    cards_router,
    organise_router,
    work_router,
    profile_router,
    public_router,
    internal_router,
]

__all__ = ["routers"]
