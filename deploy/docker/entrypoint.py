"""Entry point of every service image and of the gateway image.

    python /app/entrypoint.py migrate serve      the image's CMD (docker compose)
    python /app/entrypoint.py migrate            Kubernetes initContainer
    python /app/entrypoint.py serve              Kubernetes app container
    python /app/entrypoint.py healthcheck PATH   HEALTHCHECK and compose (default /healthz)

Steps run in the order given; `serve` replaces this process with uvicorn, so it comes last.
The image sets CRM_SERVICE_DIR, the folder holding the service's pyproject.toml and, when
it has a database, alembic.ini and migrations/. The importable module is the project name
with "-" turned into "_" (billing-svc -> billing_svc, gateway-app -> gateway_app) and the
app factory is <module>.main:create_app. Settings come from the service's own prefixed
variables (BILLING_DATABASE_URL, ...), read by its Settings class.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_PORT = "8000"
# Any constant works: advisory locks are scoped to the database, and each service has its own.
MIGRATION_LOCK_KEY = 7_362_149_001


def service_dir() -> Path:
    return Path(os.environ["CRM_SERVICE_DIR"])


def app_module(folder: Path) -> str:
    with (folder / "pyproject.toml").open("rb") as f:
        name: str = tomllib.load(f)["project"]["name"]
    return name.replace("-", "_")


def _settings(module: str) -> Any:
    return importlib.import_module(f"{module}.settings").Settings()


async def _upgrade_holding_lock(folder: Path, url: str) -> None:
    """Apply migrations; on PostgreSQL one replica at a time (the others wait, then no-op)."""
    from sqlalchemy import text

    from crm_platform.db import create_engine
    from crm_platform.db_admin import upgrade

    if not url.startswith("postgresql"):
        await upgrade(folder, url)
        return
    engine = create_engine(url, pool_size=1, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            # Session-level lock, released when this connection closes.
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            await upgrade(folder, url)
    finally:
        await engine.dispose()


def migrate() -> None:
    folder = service_dir()
    if not (folder / "alembic.ini").is_file():
        print(f"entrypoint: {folder} has no migrations", file=sys.stderr)
        return
    settings = _settings(app_module(folder))
    if not settings.database_url:
        prefix = settings.model_config.get("env_prefix", "")
        sys.exit(f"entrypoint: set {prefix}DATABASE_URL (PostgreSQL) for this container")
    asyncio.run(_upgrade_holding_lock(folder, settings.resolved_database_url()))
    print(f"entrypoint: migrations of {folder.name} applied", file=sys.stderr)


def serve() -> None:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        f"{app_module(service_dir())}.main:create_app",
        "--factory",
        "--host",
        "0.0.0.0",
        "--port",
        os.environ.get("PORT", DEFAULT_PORT),
        # Trusted proxies come from FORWARDED_ALLOW_IPS (uvicorn's default: 127.0.0.1 only).
        "--proxy-headers",
        # An answer's head and body in one write (crm_platform/http_protocol.py).
        "--http",
        "crm_platform.http_protocol:HttpProtocol",
        # Finish in-flight requests on SIGTERM, well inside Kubernetes' 30 s grace period.
        "--timeout-graceful-shutdown",
        "20",
    ]
    os.execv(sys.executable, argv)


def healthcheck(path: str) -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', DEFAULT_PORT)}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:  # connection refused, timeout, or an HTTP error status such as 503
        print(f"healthcheck {path}: {exc}", file=sys.stderr)
        return 1


def main(args: list[str]) -> int:
    if args[:1] == ["healthcheck"]:
        return healthcheck(args[1] if len(args) > 1 else "/healthz")
    steps = {"migrate": migrate, "serve": serve}
    unknown = [a for a in args if a not in steps]
    if not args or unknown or "serve" in args[:-1]:
        print(__doc__, file=sys.stderr)
        return 2
    for step in args:
        steps[step]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
