"""The web's only way to data: the gateway's public API, over one pooled HTTP client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from crm_platform.http_protocol import KEEP_ALIVE_SECONDS


class ApiError(Exception):
    """The API refused a call: its status and problem+json (title, detail, field errors)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str:
        errors = self.problem.get("errors")
        if isinstance(errors, list) and errors:
            parts = []
            for error in errors[:3]:
                if isinstance(error, dict):
                    where = error.get("field") or ".".join(
                        str(p) for p in error.get("loc", []) if p != "body"
                    )
                    said = error.get("message") or error.get("msg") or ""
                    parts.append(f"{where}: {said}".strip(": "))
            if any(parts):
                return "; ".join(p for p in parts if p)
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)


CLIENT_ADDRESS = "x-client-address"


def caller_address(headers: Any) -> str | None:
    """The browser's address as the gateway saw it (the gateway alone sets this header)."""
    value = headers.get(CLIENT_ADDRESS)
    return str(value) if value else None


class GatewayUnreachableError(Exception):
    """The gateway did not answer (refused, reset or timed out)."""


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int
    content: bytes
    reason_phrase: str
    headers: Mapping[str, str]


def query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A query string's pairs: booleans as true/false, a list as one pair per item, None
    left out (as the API reads them)."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None:
                continue
            pairs.append(
                (key, ("true" if item else "false") if isinstance(item, bool) else str(item))
            )
    return pairs


class GatewayClient:
    """A component: the client opens with the app and closes with it. aiohttp (its C
    parser) rather than httpx: reading the journal grid's JSON with h11 took a third of the
    journal page's time."""

    name = "gateway-client"
    advisory = True

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._client = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            # Idle connections dropped a second before the gateway's server would close them.
            connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=KEEP_ALIVE_SECONDS - 1),
            auto_decompress=True,
            trust_env=False,
        )

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def ready(self) -> None:
        # The gateway readies only when its upstreams (this service among them) answer:
        # this service's own readiness does not wait for it.
        return None

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        content: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        caller_address: str | None = None,
    ) -> GatewayResponse:
        """`caller_address`: the browser's address, which the gateway told this page. Sent
        on as X-Forwarded-For, so the gateway's limits and identity's sign-in lockout count
        each person's address, not this service's (the gateway's server trusts the header
        only from the addresses it is configured to: FORWARDED_ALLOW_IPS). `content`: a body
        sent as it is (a file), its type in `headers`."""
        if self._client is None:
            raise RuntimeError("the gateway client is not open")
        out = dict(headers or {})
        if caller_address:
            out["x-forwarded-for"] = caller_address
        if token:
            out["authorization"] = f"Bearer {token}"
        if json is not None:
            content = orjson.dumps(json)
            out["content-type"] = "application/json"
        try:
            async with self._client.request(
                method, self.base_url + path, data=content, params=query(params), headers=out
            ) as response:
                return GatewayResponse(
                    status_code=response.status,
                    content=await response.read(),
                    reason_phrase=response.reason or "",
                    headers=response.headers,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayUnreachableError(f"{method} {path}: {exc!r}") from exc


def answer(response: GatewayResponse) -> Any:
    """The JSON of a 2xx answer (None for 204), else ApiError."""
    if response.status_code >= 400:
        try:
            problem = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            problem = {"title": response.reason_phrase}
        if not isinstance(problem, dict):
            problem = {"detail": str(problem)}
        raise ApiError(response.status_code, problem)
    if response.status_code == 204 or not response.content:
        return None
    return orjson.loads(response.content)


def items(data: Any) -> list[Any]:
    """The rows of a list answer: a page ({"items": [...]}) or a bare list."""
    if isinstance(data, dict):
        return list(data.get("items", []))
    return list(data or [])
