"""Addresses staff hand out (a client's personal link, the portal's sign-in), made absolute
from the host and scheme the caller used: the gateway passes them on as X-Forwarded-Host
and X-Forwarded-Proto, and no caller can set either itself."""

from __future__ import annotations

import re

from starlette.requests import Request

HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def public_origin(request: Request) -> str:
    headers = request.headers
    proto = headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    if not HOST.match(host):
        host = request.url.netloc
    return f"{'https' if proto == 'https' else 'http'}://{host}"


def personal_link(request: Request, token: str) -> str:
    return f"{public_origin(request)}/my/link/{token}"


def portal_sign_in(request: Request, org_id: str) -> str:
    return f"{public_origin(request)}/my/signin?org={org_id}"
