"""Routes of staff sign-in, password reset and invitation acceptance, under /auth."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from identity_svc.deps import ContextDep, client_address
from identity_svc.signin import schemas
from identity_svc.signin.service import SignIn
from identity_svc.tokens.schemas import Tokens

auth_router = APIRouter()


@auth_router.post("/token")
async def sign_in(body: schemas.SignIn, ctx: ContextDep, request: Request) -> Tokens:
    return await SignIn(ctx).sign_in(body, client_address(request))


@auth_router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_reset(body: schemas.ResetRequest, ctx: ContextDep) -> dict[str, str]:
    await SignIn(ctx).request_reset(body)
    return {"status": "if the address belongs to an account, a reset link is on its way"}


@auth_router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_reset(body: schemas.SetPassword, ctx: ContextDep) -> None:
    await SignIn(ctx).set_password(body, "reset")


@auth_router.post("/invites/accept", status_code=status.HTTP_204_NO_CONTENT)
async def accept_invite(body: schemas.SetPassword, ctx: ContextDep) -> None:
    await SignIn(ctx).set_password(body, "invite")
