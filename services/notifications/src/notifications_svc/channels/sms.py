"""SMS through an HTTP provider: one JSON POST per message ({"to", "from", "text"}, a bearer
token), the provider's message id back. Off until NOTIFICATIONS_SMS_API_URL is set, and per
organisation until it turns SMS on (with its monthly cap)."""

from __future__ import annotations

import httpx

from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.retries import DeliveryError


class SmsGateway:
    name = "sms"

    def __init__(self, url: str, token: str, sender: str, timeout: float = 10.0) -> None:
        self.url = url
        self.sender = sender
        self.http = httpx.AsyncClient(
            timeout=timeout, trust_env=False, headers={"Authorization": f"Bearer {token}"}
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, message: Outgoing) -> str:
        body = {"to": message.address, "from": self.sender, "text": message.text}
        try:
            response = await self.http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            reason = f"SMS provider unreachable: {type(exc).__name__}"
            raise DeliveryError(reason, transient=True) from exc
        if response.status_code in (200, 201, 202):
            try:
                return str(response.json().get("id", ""))
            except ValueError:
                return ""
        reason = f"SMS provider {response.status_code}: {response.text[:200]}"
        if response.status_code == 429:
            wait = response.headers.get("retry-after")
            seconds = float(wait) if wait and wait.isdigit() else None
            raise DeliveryError(reason, transient=True, wait_seconds=seconds)
        raise DeliveryError(reason, transient=response.status_code >= 500)
