"""Every service folder has the one-service shape and runs: migrations, app, health, metrics."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import DateTime

from crm_platform.db import UtcDateTime
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import amqp_url, schema_differences, server_database_url

# The contexts: every service folder with a database of its own (the web front-end, which
# has none, is checked by its own tests).
SERVICES = sorted(p.name for p in Path(__file__).parent.iterdir() if (p / "alembic.ini").exists())
# A module may grow into a sub-package of the same name (api/, service/, ...).
SHAPE = ["main", "settings", "models", "api", "consumers"]


def test_all_six_contexts_are_present() -> None:
    assert SERVICES == ["billing", "clients", "identity", "journal", "notifications", "portal"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_the_shared_shape(service: str) -> None:
    root = Path(__file__).parent / service
    package = root / "src" / f"{service}_svc"
    missing = [
        m for m in SHAPE if not (package / f"{m}.py").exists() and not (package / m).is_dir()
    ]
    assert missing == []
    assert (root / "alembic.ini").exists()
    assert (root / "migrations" / "env.py").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_service_migrates_and_serves_health_on_real_servers(service: str) -> None:
    url = with_database(server_database_url(), f"t_shape_{service}")
    asyncio.run(drop_database(url))
    asyncio.run(ensure_database(url))
    root = Path(__file__).parent / service
    try:
        upgrade_sync(root, url)
        upgrade_sync(root, url, "base")  # downgrades cleanly
        upgrade_sync(root, url)
        models = importlib.import_module(f"{service}_svc.models")
        diff, _ = asyncio.run(schema_differences(url, models.metadata))
        changes = [op for item in diff for op in (item if isinstance(item, list) else [item])]
        assert [op for op in changes if op[0] == "modify_type"] == []  # columns as modelled
        main = importlib.import_module(f"{service}_svc.main")
        settings_mod = importlib.import_module(f"{service}_svc.settings")
        settings = settings_mod.Settings(database_url=url, amqp_url=amqp_url(), db_pool_size=2)
        with TestClient(main.create_app(settings)) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            checks = ready.json()["checks"]
            assert {"database", "messaging"} <= set(checks)
            assert set(checks.values()) == {"ok"}
            assert "http_requests_total" in client.get("/metrics").text
            assert client.get("/openapi.json").status_code == 200
            assert client.get("/healthz").headers["x-request-id"]
    finally:
        asyncio.run(drop_database(url))


@pytest.mark.parametrize("service", SERVICES)
def test_every_time_column_is_utc_aware(service: str) -> None:
    """SQLite keeps no offset: a plain DateTime column reads back naive there, and comparing
    it with an aware time fails (a removed mark once never gave its class back)."""
    models = importlib.import_module(f"{service}_svc.models")
    plain = [
        f"{table.name}.{column.name}"
        for table in models.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime)
    ]
    wrapped = [
        f"{table.name}.{column.name}"
        for table in models.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, UtcDateTime)
    ]
    assert plain == []
    assert service in ("notifications", "portal") or wrapped


@pytest.mark.parametrize("service", ["billing", "clients", "identity", "journal"])
def test_versioned_rows_are_written_only_over_the_version_read(service: str) -> None:
    """Every table an If-Match writer changes is updated `WHERE version = <read>`
    (crm_platform.db.OptimisticVersions), so a check and its write are one step."""
    models = importlib.import_module(f"{service}_svc.models")
    versioned = [m for m in models.Base.registry.mappers if "version" in m.local_table.c]
    assert versioned
    assert [m.class_.__name__ for m in versioned if m.version_id_col is None] == []
