"""HTTP routes of the billing context. Every route requires the gateway's internal token."""

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal

router = APIRouter(
    prefix="/api/v1/billing", tags=["billing"], dependencies=[Depends(get_principal)]
)
