"""A NUL character never reaches a service's database (PostgreSQL refuses it in text, a 500
wherever it reached a query; SQLite stores it): a 422 naming each field that holds one,
before the route runs; a body without one reaches the route as sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel

from crm_platform.app import create_service_app
from crm_platform.settings import ServiceSettings

MESSAGE = "text may not hold a NUL character"
reached: list[Any] = []


class Thing(BaseModel):
    name: str
    tags: list[str] = []
    about: dict[str, str] = {}


def app(*, database: bool = True) -> TestClient:
    router = APIRouter()

    @router.post("/things/{slug}")
    async def create(slug: str, body: Thing, q: str = "") -> Thing:
        reached.append((slug, q, body))
        return body

    @router.post("/files")
    async def upload(file: UploadFile) -> dict[str, int]:
        return {"size": len(await file.read())}

    settings = ServiceSettings(service_name="things", database_url="sqlite+aiosqlite://")
    built = create_service_app(settings, title="Things", routers=[router], database=database)
    return TestClient(built)


def test_every_field_holding_a_nul_is_named_before_the_route_runs() -> None:
    reached.clear()
    answer = app().post(
        "/things/a%00b?q=x%00y",
        json={"name": "An\u0000na", "tags": ["ok", "b\u0000d"], "about": {"k": "\u0000"}},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"field": "slug", "in": "path", "message": MESSAGE},
        {"field": "q", "in": "query", "message": MESSAGE},
        {"field": "name", "in": "body", "message": MESSAGE},
        {"field": "tags.1", "in": "body", "message": MESSAGE},
        {"field": "about.k", "in": "body", "message": MESSAGE},
    ]
    assert reached == []


def test_a_body_without_one_reaches_the_route_as_sent() -> None:
    reached.clear()
    client = app()
    escaped = client.post(
        "/things/a",
        content=b'{"name": "back\\\\u0000slash"}',
        headers={"content-type": "application/json"},
    )
    assert escaped.status_code == 200, escaped.text  # a backslash, then "u0000": no NUL
    assert escaped.json()["name"] == "back\\u0000slash"
    plain = client.post("/things/b?q=c", json={"name": "Anna", "tags": ["x"]})
    assert plain.status_code == 200, plain.text
    assert [(s, q, t.name) for s, q, t in reached] == [
        ("a", "", "back\\u0000slash"),
        ("b", "c", "Anna"),
    ]
    unreadable = client.post(
        "/things/c", content=b'{"name": "\\u0000', headers={"content-type": "application/json"}
    )
    assert unreadable.status_code in (400, 422)  # the route's own answer to a body it cannot read
    files = client.post("/files", files={"file": ("f.bin", b"\x00\x01binary\x00")})
    assert files.json() == {"size": 9}  # an upload is not text


def test_an_app_without_a_database_is_left_alone() -> None:
    reached.clear()
    answer = app(database=False).post("/things/a", json={"name": "An\u0000na"})
    assert answer.status_code == 200
