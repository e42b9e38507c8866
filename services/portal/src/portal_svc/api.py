"""HTTP routes of the portal context. Every route requires the gateway's internal token."""

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal

router = APIRouter(prefix="/api/v1/portal", tags=["portal"], dependencies=[Depends(get_principal)])
