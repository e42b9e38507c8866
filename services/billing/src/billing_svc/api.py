"""HTTP routes of the billing context. Every route requires the gateway's internal token.

/api/v1/billing gathers the routers of each part: the catalogue, packs (selling and a pack's
life), the ledger (payments, cancellations, balances), invoices, reports and the
organisation's billing settings.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from billing_svc.catalogue.api import router as catalogue_router
from billing_svc.invoices.api import router as invoices_router
from billing_svc.ledger.api import router as ledger_router
from billing_svc.organisation.api import router as settings_router
from billing_svc.packs.api import router as packs_router
from billing_svc.reports.api import router as reports_router
from crm_platform.internal_auth import get_principal

router = APIRouter(
    prefix="/api/v1/billing", tags=["billing"], dependencies=[Depends(get_principal)]
)
for part in (
    catalogue_router,
    packs_router,
    ledger_router,
    invoices_router,
    reports_router,
    settings_router,
):
    router.include_router(part)
