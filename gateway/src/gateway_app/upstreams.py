"""The gateway's way to its upstream services: one pooled HTTP session for the app's life."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from crm_platform.http_protocol import KEEP_ALIVE_SECONDS

# An idle connection is dropped by the pool a second before a service would close it, so
# a request is never sent down a connection the service is closing.
IDLE_SECONDS = KEEP_ALIVE_SECONDS - 1


class UpstreamNotReadyError(RuntimeError):
    pass


class UpstreamPool:
    """One aiohttp session (one connection pool) shared by every call to every upstream.

    Opened when the app starts and closed when it stops; requests never make their own.
    """

    name = "upstream-pool"

    def __init__(
        self, base_urls: Mapping[str, str], *, max_connections: int, timeout_seconds: float
    ) -> None:
        self.base_urls = dict(base_urls)
        self._max_connections = max_connections
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("the upstream pool is not open")
        return self._session

    def url(self, upstream: str, path: str) -> str:
        return self.base_urls[upstream] + path

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, ttl_dns_cache=300, keepalive_timeout=IDLE_SECONDS
        )
        self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def ready(self) -> None:
        _ = self.session


class UpstreamReadiness:
    """The readiness check of one upstream: its /readyz answers 200 through the shared pool.

    A component only so that create_service_app lists it under the upstream's own name.
    Advisory: the gateway reports a service that is down as "degraded" but stays ready,
    since it still serves every other service.
    """

    advisory = True

    def __init__(self, name: str, pool: UpstreamPool) -> None:
        self.name = name
        self._pool = pool

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ready(self) -> None:
        async with self._pool.session.get(self._pool.url(self.name, "/readyz")) as response:
            if response.status != 200:
                raise UpstreamNotReadyError(f"{self.name} /readyz answered {response.status}")
