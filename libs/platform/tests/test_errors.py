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


def test_a_body_sent_as_anything_but_json_is_415() -> None:
    for content_type, body in [
        ("text/plain", b'{"first_name": "Olga", "age": 3}'),
        ("application/xml", b"<client/>"),
        ("application/x-www-form-urlencoded", b"first_name=Olga&age=3"),
    ]:
        response = client.post("/clients", content=body, headers={"content-type": content_type})
        assert response.status_code == 415, (content_type, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["title"] == "Unsupported Media Type"
    as_json = client.post(
        "/clients", content=b'{"first_name": "Olga"}', headers={"content-type": "application/json"}
    )
    assert as_json.status_code == 422  # JSON with a bad field is still a field error
    no_type = client.post("/clients", content=b'{"first_name": "Olga", "age": 3}')
    assert no_type.status_code == 415  # FastAPI reads a body as JSON only when it says so


def test_a_field_refused_by_a_service_is_named_like_a_validation_error() -> None:
    from crm_platform.errors import field_errors, invalid, invalid_fields

    one = invalid("due_on", "before the sale")
    assert (one.status, one.title, one.detail) == (
        422,
        "Unprocessable Content",
        "invalid due_on: before the sale",
    )
    assert one.errors == [{"field": "due_on", "in": "body", "message": "before the sale"}]
    [pydantic_shaped] = field_errors([{"loc": ("body", "due_on"), "msg": "before the sale"}])
    assert one.errors == [{k: pydantic_shaped[k] for k in ("field", "in", "message")}]
    two = invalid_fields([("b", "x"), ("a", "y")], "query", status=409, detail="state")
    assert (two.status, two.title, two.detail) == (409, "Conflict", "state")
    assert [(e["field"], e["in"]) for e in two.errors or []] == [("b", "query"), ("a", "query")]
