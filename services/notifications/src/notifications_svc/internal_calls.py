"""Calls to other services' internal routes (clients' messenger binding, the journal's
absences), with a system token signed as the gateway signs its own."""

from __future__ import annotations

from typing import Any

import httpx

from crm_platform.internal_auth import HEADER, InternalTokenSigner, Principal

SYSTEM = Principal(tenant_id=None, subject="notifications", realm="system")


class InternalCalls:
    def __init__(
        self, private_key: str, issuer: str, urls: dict[str, str], audiences: dict[str, str]
    ) -> None:
        self.signer = InternalTokenSigner(private_key, issuer=issuer)
        self.urls = urls
        # each service accepts tokens for its own name (its SERVICE_NAME setting)
        self.audiences = audiences
        self.http = httpx.AsyncClient(timeout=10.0, trust_env=False)

    async def post(self, service: str, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {HEADER: self.signer.sign(SYSTEM, self.audiences[service])}
        return await self.http.post(f"{self.urls[service]}{path}", json=body, headers=headers)

    async def close(self) -> None:
        await self.http.aclose()
