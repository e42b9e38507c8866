"""problem+json: every bad field named, no 500 for bad input, no internals leaked."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from crm_platform.errors import PROBLEM_JSON, NotFoundError, install_problem_handlers


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1)
    age: int = Field(ge=0)


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/clients")
    async def create(body: NewClient, limit: int = 10) -> dict[str, str]:
        return {"name": body.first_name}

    @app.get("/clients/{client_id}")
    async def read(client_id: int) -> dict[str, int]:
        raise NotFoundError("client")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string")

    return app


client = TestClient(make_app(), raise_server_exceptions=False)


def test_every_bad_field_is_named_in_a_422_problem() -> None:
    response = client.post("/clients?limit=x", json={"first_name": "", "age": -1, "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 422
    fields = {(e["in"], e["field"]) for e in body["errors"]}
    assert fields == {
        ("body", "first_name"),
        ("body", "age"),
        ("body", "extra"),
        ("query", "limit"),
    }
    assert "first_name" in body["detail"]


def test_malformed_json_is_422_not_500() -> None:
    response = client.post(
        "/clients", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


def test_problem_errors_and_unknown_routes_are_problem_documents() -> None:
    missing = client.get("/clients/7")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "client not found"
    unknown = client.get("/nowhere")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == PROBLEM_JSON


def test_unhandled_error_is_a_bare_500_problem() -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "secret" not in response.text
