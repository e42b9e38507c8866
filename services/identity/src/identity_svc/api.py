"""HTTP routes of identity: /auth (sign-in, tokens, JWKS) and /api/v1/identity (staff).

Every route requires the gateway's internal token; /auth routes accept an anonymous caller.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from crm_contracts.tokens import JWKS_PATH
from crm_messaging import Outbox
from crm_platform.db import SessionDep
from crm_platform.internal_auth import PrincipalDep, get_principal, system_only
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of
from identity_svc import schemas
from identity_svc.keys import Keys
from identity_svc.portal import PortalAccess
from identity_svc.service import Identity
from identity_svc.settings import Settings

auth_router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(get_principal)])
router = APIRouter(
    prefix="/api/v1/identity", tags=["identity"], dependencies=[Depends(get_principal)]
)
internal_router = APIRouter(
    prefix="/internal/v1/identity", tags=["internal"], dependencies=[Depends(get_principal)]
)
CLIENT_ADDRESS_HEADER = "x-client-address"


async def identity(request: Request, session: SessionDep) -> Identity:
    state = request.app.state
    settings: Settings = state.settings
    keys: Keys = state.keys
    outbox: Outbox = state.outbox
    return Identity(session, settings, keys, outbox)


IdentityDep = Annotated[Identity, Depends(identity)]


def client_address(request: Request) -> str:
    # Set by the gateway (which strips any copy a caller sends); the internal token vouches for it.
    return request.headers.get(CLIENT_ADDRESS_HEADER) or "unknown"


# --- /auth -------------------------------------------------------------------------------


@auth_router.post("/signup", status_code=status.HTTP_201_CREATED)
async def sign_up(body: schemas.SignUp, svc: IdentityDep, request: Request) -> schemas.SignedUp:
    return await svc.sign_up(body, client_address(request))


@auth_router.post("/token")
async def sign_in(body: schemas.SignIn, svc: IdentityDep, request: Request) -> schemas.Tokens:
    return await svc.sign_in(body, client_address(request))


@auth_router.post("/portal/token")
async def portal_sign_in(
    body: schemas.PortalSignIn, svc: IdentityDep, request: Request
) -> schemas.Tokens:
    return await svc.portal_sign_in(body, client_address(request))


@auth_router.post("/portal/codes", status_code=status.HTTP_202_ACCEPTED)
async def portal_code(
    body: schemas.PortalCodeRequest, svc: IdentityDep, request: Request
) -> dict[str, str]:
    """A one-time code for sign-in, a password reset or a sign-up; the same answer whether
    or not the login has an account."""
    await PortalAccess(svc).request_code(body, client_address(request))
    return {"status": "if this login can use it, a code is on its way"}


@auth_router.post("/portal/signup", status_code=status.HTTP_202_ACCEPTED)
async def portal_sign_up(body: schemas.PortalSignUp, svc: IdentityDep) -> dict[str, str]:
    await PortalAccess(svc).sign_up(body)
    return {
        "status": "received",
        "detail": "we are matching your details with the school's records; "
        "you will be able to sign in once they are linked",
    }


@auth_router.post("/portal/password-reset", status_code=status.HTTP_204_NO_CONTENT)
async def portal_password_reset(body: schemas.PortalPasswordReset, svc: IdentityDep) -> None:
    await PortalAccess(svc).reset_password(body)


@auth_router.post("/refresh")
async def refresh(body: schemas.RefreshIn, svc: IdentityDep) -> schemas.Tokens:
    return await svc.refresh(body)


@auth_router.post("/signout", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(body: schemas.RefreshIn, svc: IdentityDep) -> None:
    await svc.sign_out(body)


@auth_router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_reset(body: schemas.ResetRequest, svc: IdentityDep) -> dict[str, str]:
    await svc.request_reset(body)
    return {"status": "if the address belongs to an account, a reset link is on its way"}


@auth_router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_reset(body: schemas.SetPassword, svc: IdentityDep) -> None:
    await svc.set_password(body, "reset")


@auth_router.post("/invites/accept", status_code=status.HTTP_204_NO_CONTENT)
async def accept_invite(body: schemas.SetPassword, svc: IdentityDep) -> None:
    await svc.set_password(body, "invite")


@auth_router.get(JWKS_PATH.removeprefix("/auth"))
async def jwks(svc: IdentityDep, response: Response) -> dict[str, list[dict[str, object]]]:
    response.headers["Cache-Control"] = "public, max-age=300"
    ring = await svc.keys.ring(svc.session)
    return {"keys": ring.published(svc.now())}


# --- /api/v1/identity --------------------------------------------------------------------


@router.get("/me")
async def me(principal: PrincipalDep, svc: IdentityDep) -> schemas.StaffRead:
    return await svc.me(principal)


@router.get("/organisation")
async def organisation(principal: PrincipalDep, svc: IdentityDep) -> schemas.OrganisationRead:
    return schemas.OrganisationRead.model_validate(await svc.organisation(principal))


@router.patch("/organisation")
async def update_organisation(
    body: schemas.OrganisationUpdate,
    principal: PrincipalDep,
    svc: IdentityDep,
    if_match: IfMatch = None,
) -> schemas.OrganisationRead:
    org = await svc.update_organisation(principal, body, version_of(if_match))
    return schemas.OrganisationRead.model_validate(org)


@router.get("/branches")
async def branches(
    principal: PrincipalDep, svc: IdentityDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[schemas.BranchRead]:
    rows, next_cursor = page(await svc.branches(principal, cursor, limit), limit)
    return Page(items=[schemas.BranchRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/branches", status_code=status.HTTP_201_CREATED)
async def create_branch(
    body: schemas.BranchCreate, principal: PrincipalDep, svc: IdentityDep
) -> schemas.BranchRead:
    return schemas.BranchRead.model_validate(await svc.create_branch(principal, body))


@router.get("/branches/{branch_id}")
async def branch(
    branch_id: uuid.UUID, principal: PrincipalDep, svc: IdentityDep
) -> schemas.BranchRead:
    return schemas.BranchRead.model_validate(await svc.branch(principal, branch_id))


@router.patch("/branches/{branch_id}")
async def update_branch(
    branch_id: uuid.UUID,
    body: schemas.BranchUpdate,
    principal: PrincipalDep,
    svc: IdentityDep,
    if_match: IfMatch = None,
) -> schemas.BranchRead:
    updated = await svc.update_branch(principal, branch_id, body, version_of(if_match))
    return schemas.BranchRead.model_validate(updated)


@router.get("/staff")
async def staff_list(
    principal: PrincipalDep, svc: IdentityDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[schemas.StaffRead]:
    rows, next_cursor = page(await svc.staff_list(principal, cursor, limit), limit)
    return Page(items=rows, next_cursor=next_cursor)


@router.post("/staff", status_code=status.HTTP_201_CREATED)
async def create_staff(
    body: schemas.StaffCreate, principal: PrincipalDep, svc: IdentityDep
) -> schemas.StaffRead:
    return await svc.create_staff(principal, body)


@router.get("/staff/{user_id}")
async def staff(user_id: uuid.UUID, principal: PrincipalDep, svc: IdentityDep) -> schemas.StaffRead:
    return await svc.staff(principal, user_id)


@router.patch("/staff/{user_id}")
async def update_staff(
    user_id: uuid.UUID,
    body: schemas.StaffUpdate,
    principal: PrincipalDep,
    svc: IdentityDep,
    if_match: IfMatch = None,
) -> schemas.StaffRead:
    return await svc.update_staff(principal, user_id, body, version_of(if_match))


@router.put("/staff/{user_id}/grants")
async def replace_grants(
    user_id: uuid.UUID, body: schemas.GrantsReplace, principal: PrincipalDep, svc: IdentityDep
) -> schemas.StaffRead:
    return await svc.replace_grants(principal, user_id, body)


@router.post("/staff/{user_id}/deactivate")
async def deactivate_staff(
    user_id: uuid.UUID, principal: PrincipalDep, svc: IdentityDep
) -> schemas.StaffRead:
    return await svc.deactivate_staff(principal, user_id)


# --- /internal/v1/identity (the gateway and other services, with a system token) ----------


@internal_router.get("/access/branches/{branch_id}", dependencies=[Depends(system_only)])
async def branch_location(branch_id: uuid.UUID, svc: IdentityDep) -> schemas.Location:
    return await svc.branch_location(branch_id)


@internal_router.get("/access/{user_id}", dependencies=[Depends(system_only)])
async def access(user_id: uuid.UUID, svc: IdentityDep) -> schemas.AccessRead:
    return await svc.access(user_id)


@internal_router.post(
    "/portal-accounts", status_code=status.HTTP_201_CREATED, dependencies=[Depends(system_only)]
)
async def create_portal_account(
    body: schemas.PortalAccountCreate, svc: IdentityDep
) -> schemas.PortalAccountRead:
    return await svc.create_portal_account(body)
