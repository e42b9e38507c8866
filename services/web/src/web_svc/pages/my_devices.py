"""The portal's notifications on a device (Web Push): the service worker and page script
(/my/push.js, scope /my), the subscription a browser made sent to the notifications service,
and the devices that get the client's notifications, each removable without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from web_svc.deps import Caller, PortalDep, csrf_guard
from web_svc.gateway import ApiError
from web_svc.pages.my_common import Family, P, client_id, family_of
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
SCRIPT = Path(__file__).resolve().parents[1] / "static" / "push.js"
PLATFORMS = {
    "web": N_("Web browser"),
    "android": N_("Android app"),
    "ios": N_("iPhone app"),
}
NOTICES = {
    "on": N_("Notifications are on for this device."),
    "removed": N_("Removed: that device gets no more notifications."),
}


async def devices_context(caller: Caller, family: Family, notice: str) -> dict[str, Any]:
    """What the preferences page shows of push: the devices, and the key a browser subscribes
    with (None: Web Push is not set up on this server)."""
    found = await caller.get(f"{P}/devices", **family.params())
    return {
        "devices": found["items"],
        "vapid_key": found.get("vapid_public_key"),
        "platforms": PLATFORMS,
        "push_notice": NOTICES.get(notice),
    }


@router.get("/my/push.js")
async def script() -> Response:
    """Served under /my so that, as the service worker, it may control the whole portal."""
    return Response(
        SCRIPT.read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/my", "Cache-Control": "no-cache"},
    )


def _subscription(text: str) -> dict[str, Any] | None:
    """The endpoint and keys of a PushSubscription's JSON, else None."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("keys"), dict):
        return None
    keys = found["keys"]
    if not all(
        isinstance(v, str) for v in (found.get("endpoint"), keys.get("p256dh"), keys.get("auth"))
    ):
        return None
    return {"endpoint": found["endpoint"], "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


@router.post("/my/devices")
async def add_device(
    request: Request,
    caller: PortalDep,
    subscription: Annotated[str, Form(max_length=10_000)],
    client: str = "",
) -> Response:
    """The page's script posts the subscription the browser made; refused: why, as JSON."""
    family = await family_of(caller, client)
    _ = words_for(request)
    found = _subscription(subscription)
    if found is None:
        detail = _("The browser gave no usable subscription.")
        return JSONResponse({"detail": detail}, status_code=400)
    body = {"kind": "webpush", "client_id": family.current, "subscription": found}
    try:
        await caller.call("POST", f"{P}/devices", json=body)
    except ApiError as exc:
        return JSONResponse({"detail": str(refusal(exc, _))}, status_code=400)
    return RedirectResponse(family.href("/my/preferences", push="on"), status_code=303)


@router.post("/my/devices/{device_id}/remove")
async def remove_device(
    request: Request, caller: PortalDep, device_id: str, client: str = ""
) -> Response:
    """Another family's device (or none) is the API's 404, shown as the error page."""
    if client_id(device_id) is None:
        return render(request, "error.html", {"status": 404, "kind": "api"}, status_code=404)
    family = await family_of(caller, client)
    await caller.call("DELETE", f"{P}/devices/{device_id}")
    return RedirectResponse(family.href("/my/preferences", push="removed"), status_code=303)
