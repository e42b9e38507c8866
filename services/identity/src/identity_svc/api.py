"""HTTP routes of identity: /auth (sign-in, tokens, JWKS), /api/v1/identity (the
organisation, branches, staff), /portal/v1/contacts (a portal client proving a new address)
and /internal/v1/identity (the gateway's lookups), gathered
from each feature's routers. Every route requires the gateway's internal token; /auth routes
accept an anonymous caller."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from crm_platform.internal_auth import get_principal
from identity_svc.organisation import api as organisation
from identity_svc.portal import api as portal
from identity_svc.signin import api as signin
from identity_svc.staff import api as staff
from identity_svc.tokens import api as tokens

auth_router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(get_principal)])
router = APIRouter(
    prefix="/api/v1/identity", tags=["identity"], dependencies=[Depends(get_principal)]
)
internal_router = APIRouter(
    prefix="/internal/v1/identity", tags=["internal"], dependencies=[Depends(get_principal)]
)
portal_router = APIRouter(
    prefix="/portal/v1", tags=["portal"], dependencies=[Depends(get_principal)]
)
for part in (organisation.auth_router, signin.auth_router, portal.auth_router, tokens.auth_router):
    auth_router.include_router(part)
for part in (staff.router, organisation.router):
    router.include_router(part)
for part in (organisation.internal_router, staff.internal_router, portal.internal_router):
    internal_router.include_router(part)
portal_router.include_router(portal.portal_router)
