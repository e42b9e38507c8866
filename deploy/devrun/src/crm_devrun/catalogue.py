"""What the system is made of: the six services, the web front-end and the gateway, by name,
package and port."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from crm_platform.db_admin import ensure_database, upgrade
from crm_platform.settings import ServiceSettings
from gateway_app.settings import UPSTREAMS


@dataclass(frozen=True)
class ServiceSpec:
    """One deployable: a service (`billing_svc`) or the gateway (`gateway_app`)."""

    name: str
    package: str
    settings_class_name: str = "Settings"

    def _module(self, name: str) -> Any:
        return importlib.import_module(f"{self.package}.{name}")

    @property
    def app_factory(self) -> str:
        """The uvicorn target: `python -m uvicorn <app_factory> --factory`."""
        return f"{self.package}.main:create_app"

    @property
    def default_port(self) -> int:
        return int(self._module("main").DEFAULT_PORT)

    @property
    def settings_class(self) -> type[ServiceSettings]:
        settings_class = getattr(self._module("settings"), self.settings_class_name)
        return cast(type[ServiceSettings], settings_class)

    @property
    def env_prefix(self) -> str:
        return str(self.settings_class.model_config.get("env_prefix", ""))

    def settings(self, **values: Any) -> ServiceSettings:
        """Settings from its environment, with `values` taking precedence."""
        return self.settings_class(**values)

    def create_app(self, settings: ServiceSettings) -> FastAPI:
        return cast(FastAPI, self._module("main").create_app(settings))

    @property
    def directory(self) -> Path:
        """The project folder (services/billing): alembic.ini and migrations/ live there."""
        found = importlib.util.find_spec(self.package)
        if found is None or found.origin is None:
            raise LookupError(f"package {self.package} is not installed")
        return Path(found.origin).resolve().parents[2]

    @property
    def has_database(self) -> bool:
        """Owns a database (has migrations); the web front-end does not."""
        return (self.directory / "alembic.ini").is_file()

    @property
    def calls_the_gateway(self) -> bool:
        """Renders from the gateway's public API (the web front-end): told where it is."""
        return "gateway_url" in self.settings_class.model_fields


SERVICES: tuple[ServiceSpec, ...] = tuple(ServiceSpec(name, f"{name}_svc") for name in UPSTREAMS)
GATEWAY = ServiceSpec("gateway", "gateway_app")


def service(name: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)


async def prepare_database(spec: ServiceSpec, url: str) -> None:
    """Create the service's database if it is missing (PostgreSQL) and apply its migrations."""
    if not spec.has_database:
        return
    await ensure_database(url)
    await upgrade(spec.directory, url)
