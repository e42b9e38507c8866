"""The distributed system: every service and the gateway as processes of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crm_devrun.catalogue import GATEWAY, SERVICES, ServiceSpec
from crm_devrun.processes import (
    STOP_TIMEOUT_SECONDS,
    ManagedProcess,
    stop_all,
    uvicorn_process,
)


@dataclass
class System:
    services: dict[str, ManagedProcess]
    gateway: ManagedProcess

    @property
    def processes(self) -> list[ManagedProcess]:
        return [*self.services.values(), self.gateway]

    @property
    def gateway_url(self) -> str:
        return self.gateway.base_url


def service_env(
    spec: ServiceSpec,
    *,
    database_url: str,
    amqp_url: str,
    pool_size: int,
    environment: str,
) -> dict[str, str]:
    prefix = spec.env_prefix
    return {
        f"{prefix}DATABASE_URL": database_url,
        f"{prefix}AMQP_URL": amqp_url,
        f"{prefix}DB_POOL_SIZE": str(pool_size),
        f"{prefix}ENVIRONMENT": environment,
    }


def gateway_env(upstreams: Mapping[str, str], *, environment: str, amqp_url: str) -> dict[str, str]:
    prefix = GATEWAY.env_prefix
    # The broker feeds the gateway's access map (grants, where resources live).
    env = {f"{prefix}ENVIRONMENT": environment, f"{prefix}AMQP_URL": amqp_url}
    env |= {f"{prefix}{name.upper()}_URL": url for name, url in upstreams.items()}
    return env


def start_system(
    *,
    database_urls: Mapping[str, str],
    amqp_url: str,
    ports: Mapping[str, int],
    gateway_port: int,
    environment: str,
    pool_size: int,
    base_env: Mapping[str, str],
    host: str = "127.0.0.1",
    log_dir: Path | None = None,
    prefixed: bool = False,
    amqp_urls: Mapping[str, str] | None = None,
) -> System:
    """Start every service and the gateway (databases must be migrated already).

    Does not wait: pass `system.processes` to processes.wait_ready. With `prefixed` (make
    run) their output comes out here, each line behind its name, and a Ctrl-C at the
    terminal reaches only this process, which stops them in order. `amqp_urls` gives a
    process (by name, the gateway's too) a broker URL of its own instead of `amqp_url`.
    """
    amqp_urls = amqp_urls or {}
    services: dict[str, ManagedProcess] = {}
    try:
        for spec in SERVICES:
            env = dict(base_env) | service_env(
                spec,
                database_url=database_urls[spec.name],
                amqp_url=amqp_urls.get(spec.name, amqp_url),
                pool_size=pool_size,
                environment=environment,
            )
            if spec.calls_the_gateway:
                env[f"{spec.env_prefix}GATEWAY_URL"] = f"http://{host}:{gateway_port}"
            process = uvicorn_process(
                spec.name,
                spec.app_factory,
                port=ports[spec.name],
                host=host,
                env=env,
                log_path=log_dir / f"{spec.name}.log" if log_dir else None,
                access_log=False,  # the gateway's log shows every request that matters
                prefixed=prefixed,
                own_group=prefixed,
            )
            services[spec.name] = process
            process.start()
        upstreams = {name: p.base_url for name, p in services.items()}
        gateway = uvicorn_process(
            GATEWAY.name,
            GATEWAY.app_factory,
            port=gateway_port,
            host=host,
            env=dict(base_env)
            | gateway_env(
                upstreams,
                environment=environment,
                amqp_url=amqp_urls.get(GATEWAY.name, amqp_url),
            ),
            log_path=log_dir / "gateway.log" if log_dir else None,
            prefixed=prefixed,
            own_group=prefixed,
        )
        gateway.start()
    except BaseException:
        stop_all(services.values())
        raise
    return System(services, gateway)


def stop_system(system: System, timeout: float = STOP_TIMEOUT_SECONDS) -> dict[str, int | None]:
    """The gateway first (no new traffic), then every service together."""
    codes = stop_all([system.gateway], timeout)
    codes |= stop_all(system.services.values(), timeout)
    return codes
