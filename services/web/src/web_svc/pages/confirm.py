"""The page behind the link in a client's email-confirmation letter. The address is confirmed
only by the button's POST: mail scanners open GET links by themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from web_svc.deps import csrf_guard
from web_svc.gateway import GatewayClient, caller_address
from web_svc.render import render

router = APIRouter(dependencies=[Depends(csrf_guard)])


@router.get("/my/confirm-email")
async def confirm_page(request: Request, token: str = "") -> Response:
    return render(request, "my/confirm.html", {"token": token, "state": "ask"})


@router.post("/my/confirm-email")
async def confirm(request: Request, token: Annotated[str, Form()]) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    response = await gateway.call(
        "POST",
        "/api/v1/clients/email-confirmations",
        json={"token": token},
        caller_address=caller_address(request.headers),
    )
    state = "done" if response.status_code < 400 else "failed"
    context = {"token": token, "state": state}
    return render(request, "my/confirm.html", context, status_code=200 if state == "done" else 400)
