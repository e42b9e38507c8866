"""/healthz (alive), /readyz (dependencies reachable) and /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 2.0

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """503 when something this app needs fails. Advisory checks (things it only reports on,
    such as the gateway's upstreams) make it "degraded" but keep it in service: one
    service down must not take every replica of the gateway out of its load balancer."""
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    advisory: frozenset[str] = getattr(request.app.state, "advisory_checks", frozenset())
    results: dict[str, str] = {}

    async def run(name: str, check: ReadinessCheck) -> None:
        try:
            await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"failed: {type(exc).__name__}"

    await asyncio.gather(*(run(n, c) for n, c in checks.items()))
    ready = all(v == "ok" for n, v in results.items() if n not in advisory)
    complete = all(v == "ok" for v in results.values())
    status = "ready" if complete else "degraded" if ready else "not ready"
    return JSONResponse({"status": status, "checks": results}, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
