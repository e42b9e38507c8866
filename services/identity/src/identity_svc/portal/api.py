"""Routes of client portal accounts: sign-in, codes, sign-up and password reset (/auth), and
an account made by another service (/internal/v1/identity)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from crm_platform.internal_auth import PrincipalDep, system_only
from identity_svc.deps import ContextDep, client_address
from identity_svc.portal import schemas
from identity_svc.portal.contacts import ContactProofs
from identity_svc.portal.service import PortalAccess
from identity_svc.tokens.schemas import Tokens

auth_router = APIRouter()
internal_router = APIRouter()
portal_router = APIRouter()


@auth_router.post("/portal/token")
async def portal_sign_in(body: schemas.PortalSignIn, ctx: ContextDep, request: Request) -> Tokens:
    return await PortalAccess(ctx).sign_in(body, client_address(request))


@auth_router.post("/portal/codes", status_code=status.HTTP_202_ACCEPTED)
async def portal_code(
    body: schemas.PortalCodeRequest, ctx: ContextDep, request: Request
) -> dict[str, str]:
    """A one-time code for sign-in, a password reset or a sign-up; the same answer whether
    or not the login has an account."""
    await PortalAccess(ctx).request_code(body, client_address(request))
    return {"status": "if this login can use it, a code is on its way"}


@auth_router.post("/portal/signup", status_code=status.HTTP_202_ACCEPTED)
async def portal_sign_up(body: schemas.PortalSignUp, ctx: ContextDep) -> dict[str, str]:
    await PortalAccess(ctx).sign_up(body)
    return {
        "status": "received",
        "detail": "we are matching your details with the school's records; "
        "you will be able to sign in once they are linked",
    }


@auth_router.post("/portal/password-reset", status_code=status.HTTP_204_NO_CONTENT)
async def portal_password_reset(body: schemas.PortalPasswordReset, ctx: ContextDep) -> None:
    await PortalAccess(ctx).reset_password(body)


@internal_router.post(
    "/portal-accounts", status_code=status.HTTP_201_CREATED, dependencies=[Depends(system_only)]
)
async def create_portal_account(
    body: schemas.PortalAccountCreate, ctx: ContextDep
) -> schemas.PortalAccountRead:
    return await PortalAccess(ctx).create_account(body)


@portal_router.post("/contacts/codes", status_code=status.HTTP_202_ACCEPTED)
async def contact_code(
    body: schemas.ContactIn, principal: PrincipalDep, ctx: ContextDep, request: Request
) -> dict[str, str]:
    """A code to the new email or phone the signed-in client asks to put on the card; the
    change waits in the portal until the code comes back (rate-limited as sign-in codes)."""
    await ContactProofs(ctx).send_code(principal, body, client_address(request))
    return {"status": "a code is on its way"}


@portal_router.post("/contacts/proofs", status_code=status.HTTP_204_NO_CONTENT)
async def prove_contact(
    body: schemas.ContactProof, principal: PrincipalDep, ctx: ContextDep
) -> None:
    """The code sent to the new address: the portal then sends the change waiting for it."""
    await ContactProofs(ctx).prove(principal, body)
