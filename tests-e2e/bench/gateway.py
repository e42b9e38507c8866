"""The gateway's proxy path against the same backend called directly, in one run.

A hello-world backend (uvicorn, one process) stands behind the real gateway (uvicorn, one
process) on a staff route that needs the whole hot path: token verification, the access
map, the internal token and the pooled streaming proxy. A load generator in its own process
keeps 50 connections busy against each in turn; the ratio is what the gateway costs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.jwk import OKPKey

from crm_contracts.tokens import ALGORITHM, AUDIENCE, TOKEN_TYPE
from crm_devrun.ports import free_port

CONNECTIONS = 50
DURATION_SECONDS = 5.0
ROUTE = "/api/v1/journal/groups"


BACKEND = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/api/v1/journal/groups")
async def groups() -> dict[str, object]:
    return {"items": [], "next_cursor": None}

@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ok"}
"""


async def _load(url: str, headers: dict[str, str], duration: float) -> float:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    done = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url} answered {response.status}")
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return done / (time.perf_counter() - started)


def _load_process(url: str, headers: dict[str, str], duration: float, out: Any) -> None:
    out.put(asyncio.run(_load(url, headers, duration)))


def measure(url: str, headers: dict[str, str]) -> float:
    """Requests per second from a load generator in a process of its own: wrk when it is
    installed (light, so the servers get the cores), else an aiohttp client."""
    wrk = shutil.which("wrk")
    if wrk:
        args = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{int(DURATION_SECONDS)}s", "--latency"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
        if re.search(r"Non-2xx or 3xx responses", out):
            raise RuntimeError(f"{url} answered errors:\n{out}")
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not found:
            raise RuntimeError(f"wrk printed no rate:\n{out}")
        return float(found.group(1))
    queue: Any = multiprocessing.get_context("spawn").Queue()
    proc = multiprocessing.get_context("spawn").Process(
        target=_load_process, args=(url, headers, DURATION_SECONDS, queue)
    )
    proc.start()
    rate = float(queue.get(timeout=DURATION_SECONDS + 60))
    proc.join()
    return rate


async def _identity_stand_in(jwks: dict[str, Any], user: dict[str, Any]) -> web.AppRunner:
    async def handle(request: web.Request) -> web.Response:
        if request.path == "/auth/jwks":
            return web.json_response(jwks)
        if request.path.startswith("/internal/v1/identity/access/"):
            return web.json_response(user)
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    return runner


async def _wait(url: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} not ready")
            await asyncio.sleep(0.1)


async def run() -> dict[str, float | str]:
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    key = OKPKey.import_key(pem)
    public = key.as_dict(private=False) | {"kid": "bench", "alg": ALGORITHM, "use": "sig"}
    tenant, user_id = uuid.uuid4(), uuid.uuid4()
    now = int(time.time())
    token = jwt.encode(
        {"alg": ALGORITHM, "typ": TOKEN_TYPE["staff"], "kid": "bench"},
        {
            "iss": "crm-identity",
            "aud": AUDIENCE["staff"],
            "sub": str(user_id),
            "tid": str(tenant),
            "realm": "staff",
            "role": "owner",
            "iat": now,
            "exp": now + 3600,
        },
        key,
        algorithms=[ALGORITHM],
    )
    user = {
        "user_id": str(user_id),
        "tenant_id": str(tenant),
        "role": "owner",
        "status": "active",
        "finances_hidden": False,
        "organisation_wide": True,
        "branch_ids": [],
        "group_ids": [],
    }
    identity_port, backend_port, gateway_port = free_port(), free_port(), free_port()
    runner = await _identity_stand_in({"keys": [public]}, user)
    site = web.TCPSite(runner, "127.0.0.1", identity_port)
    await site.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_ENVIRONMENT": "test",
        "GATEWAY_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "GATEWAY_JOURNAL_URL": f"http://127.0.0.1:{backend_port}",
        "GATEWAY_RATE_PER_ADDRESS": "1000000",
        "GATEWAY_BURST_PER_ADDRESS": "1000000",
        "GATEWAY_RATE_PER_USER": "1000000",
        "GATEWAY_BURST_PER_USER": "1000000",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    backend_file = os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"bench_backend_{backend_port}.py"
    )
    await asyncio.to_thread(Path(backend_file).write_text, BACKEND)
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--no-access-log"]
    backend = await asyncio.create_subprocess_exec(
        *uvicorn,
        "--app-dir",
        os.path.dirname(backend_file),
        os.path.basename(backend_file).removesuffix(".py") + ":app",
        "--port",
        str(backend_port),
        env=env,
    )
    gateway = await asyncio.create_subprocess_exec(
        *uvicorn, "--factory", "gateway_app.main:create_app", "--port", str(gateway_port), env=env
    )
    try:
        await _wait(f"http://127.0.0.1:{backend_port}/readyz")
        await _wait(f"http://127.0.0.1:{gateway_port}/healthz")
        headers = {"Authorization": f"Bearer {token}"}
        direct = await asyncio.to_thread(measure, f"http://127.0.0.1:{backend_port}{ROUTE}", {})
        proxied = await asyncio.to_thread(
            measure, f"http://127.0.0.1:{gateway_port}{ROUTE}", headers
        )
    finally:
        for proc in (gateway, backend):
            proc.terminate()
            await proc.wait()
        await runner.cleanup()
        os.unlink(backend_file)
    return {
        "backend_direct_req_per_s": round(direct, 1),
        "gateway_proxy_req_per_s": round(proxied, 1),
        "gateway_proxy_ratio": round(proxied / direct, 3),
        "gateway_load_generator": "wrk" if shutil.which("wrk") else "aiohttp",
    }


if __name__ == "__main__":
    print(asyncio.run(run()))
