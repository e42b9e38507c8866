"""Routes of tokens: refresh, sign-out and the published keys (JWKS), under /auth."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from crm_contracts.tokens import JWKS_PATH
from identity_svc.deps import ContextDep
from identity_svc.tokens import schemas
from identity_svc.tokens.service import TokenIssuer

auth_router = APIRouter()


@auth_router.post("/refresh")
async def refresh(body: schemas.RefreshIn, ctx: ContextDep) -> schemas.Tokens:
    return await TokenIssuer(ctx).refresh(body)


@auth_router.post("/signout", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(body: schemas.RefreshIn, ctx: ContextDep) -> None:
    await TokenIssuer(ctx).sign_out(body)


@auth_router.get(JWKS_PATH.removeprefix("/auth"))
async def jwks(ctx: ContextDep, response: Response) -> dict[str, list[dict[str, object]]]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"keys": await TokenIssuer(ctx).published_keys()}
