"""HTTP routes of the identity context. Every route requires the gateway's internal token."""

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal

router = APIRouter(
    prefix="/api/v1/identity", tags=["identity"], dependencies=[Depends(get_principal)]
)
