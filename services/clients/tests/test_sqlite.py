"""The embedded mode (`make run` with no settings) keeps clients in SQLite: the same
migrations apply there, and the card, tag, group and import paths that have PostgreSQL-only
indexes work without them."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients_svc.main import create_app
from clients_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_platform.db_admin import upgrade_sync

from .conftest import Api

SERVICE_DIR = Path(__file__).resolve().parents[1]
CLIENTS = "/api/v1/clients/clients"


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('lite') / 'clients.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    with TestClient(create_app(Settings(database_url=url, amqp_url=""))) as client:
        yield Api(client, url)


def test_cards_tags_groups_and_imports_work_on_sqlite(lite: Api) -> None:
    org = lite.organisation()
    piano = lite.ok("POST", "/api/v1/clients/tags", org.owner, json={"name": "piano"})["id"]
    zofia = lite.client_of(org, first_name="Zofia", phone="601 234 567", tag_ids=[piano])
    jan = lite.client_of(org, first_name="Jan")
    group = uuid.uuid4()
    lite.enrol(org, jan["id"], group)

    def found(**params: object) -> list[str]:
        return [c["first_name"] for c in lite.ok("GET", CLIENTS, org.owner, params=params)["items"]]

    assert found(tag_id=piano) == ["Zofia"]
    assert found(tag_id=piano, tag_mode="all") == ["Zofia"]
    assert found(group_id=str(group)) == ["Jan"]
    assert found(q="601 234") == ["Zofia"]
    assert found(q="zof") == ["Zofia"]
    csv = "first;last\nOla;Lis\n"
    report = lite.ok(
        "POST",
        "/api/v1/clients/imports",
        org.owner,
        json={
            "format": "csv",
            "content_base64": base64.b64encode(csv.encode()).decode(),
            "mapping": {"first_name": "first", "last_name": "last"},
            "dry_run": False,
        },
    )
    assert report["imported"] == 1
    assert found() == ["Zofia", "Jan", "Ola"]
    lite.ok("DELETE", f"/api/v1/clients/tags/{piano}", org.owner)
    assert lite.ok("GET", f"{CLIENTS}/{zofia['id']}", org.owner)["tags"] == []
