"""The apps register where the signed-in client's push messages go (portal session only):
POST adds a device (again with the same token: the same row), DELETE removes one, GET lists
them with the key a browser subscribes with. Another family's client or device is 404."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request, Response

from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, invalid
from crm_platform.internal_auth import PrincipalDep
from notifications_svc.deps import ContextDep
from notifications_svc.models import PushDevice
from notifications_svc.optouts.portal import own_client
from notifications_svc.push.repository import PushRepository
from notifications_svc.push.schemas import (
    DeviceRead,
    DevicesRead,
    DeviceWrite,
    FcmDeviceWrite,
)

router = APIRouter(prefix="/portal/v1", tags=["portal"])

MAX_DEVICES = 10


def _read(device: PushDevice) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        client_id=device.client_id,
        kind=device.kind,
        platform=device.platform,
        created_at=device.created_at,
    )


def allowed_endpoint(endpoint: str, hosts: list[str]) -> bool:
    """Only a known push service's endpoint: we POST to it, so it must not reach inside."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = any(host == h or host.endswith("." + h) for h in hosts)
    return known and (parts.scheme == "https" or host in ("127.0.0.1", "localhost"))


@router.get("/devices")
async def my_devices(
    request: Request,
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: Annotated[
        uuid.UUID | None, Query(description="One of the session's clients; the linked by default")
    ] = None,
) -> DevicesRead:
    client = await own_client(ctx, principal, client_id)
    devices = await PushRepository(ctx.session).devices(client.id)
    return DevicesRead(
        items=[_read(d) for d in devices],
        vapid_public_key=request.app.state.vapid_public_key,
    )


@router.post("/devices", status_code=201)
async def register_device(
    body: DeviceWrite, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> DeviceRead:
    client = await own_client(ctx, principal, body.client_id)
    state = request.app.state
    platform: str
    if isinstance(body, FcmDeviceWrite):
        if not state.push_kinds.get("fcm"):
            raise invalid("kind", "FCM push is not set up on this server")
        token, platform, p256dh, auth = body.token, body.platform, None, None
    else:
        if not state.push_kinds.get("webpush"):
            raise invalid("kind", "Web Push is not set up on this server")
        sub = body.subscription
        if not allowed_endpoint(sub.endpoint, state.webpush_hosts):
            raise invalid("subscription.endpoint", "not a known push service")
        token, platform, p256dh, auth = sub.endpoint, "web", sub.keys.p256dh, sub.keys.auth
    repo = PushRepository(ctx.session)
    new = await repo.with_token(client.id, token) is None
    if new and await repo.count(client.id) >= MAX_DEVICES:
        raise invalid("kind", f"at most {MAX_DEVICES} devices a client: remove one first")
    values = {
        "id": uuid7(),
        "tenant_id": client.tenant_id,
        "client_id": client.id,
        "kind": body.kind,
        "platform": platform,
        "token": token,
        "p256dh": p256dh,
        "auth": auth,
        "created_at": ctx.now(),
    }
    return _read(await repo.register(values))


@router.delete("/devices/{device_id}", status_code=204)
async def remove_device(device_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep) -> Response:
    repo = PushRepository(ctx.session)
    device = await repo.device(principal.tenant_id, device_id)
    if device is None:
        raise NotFoundError("device")
    # the device of a client the session may act for (its own, its family's), else 404
    await own_client(ctx, principal, device.client_id)
    await repo.remove(device)
    return Response(status_code=204)
