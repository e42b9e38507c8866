"""Every operation of a service's document says which problems it may answer, as
problem+json with the Problem schema, and names the precondition headers it reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from crm_platform.app import create_service_app
from crm_platform.errors import PROBLEM_JSON
from crm_platform.idempotency import RequestKey, request_key_dependency
from crm_platform.openapi import PROBLEM, document_problems
from crm_platform.preconditions import IfMatch
from crm_platform.settings import ServiceSettings


class Body(BaseModel):
    name: str


def document() -> dict[str, Any]:
    router = APIRouter()

    @router.get("/things/{thing_id}")
    async def read(thing_id: int) -> Body:
        return Body(name="x")

    @router.post("/things", status_code=201)
    async def create(
        body: Body,
        key: RequestKey = Depends(request_key_dependency()),  # noqa: B008
    ) -> Body:
        return body

    @router.put("/things/{thing_id}")
    async def update(thing_id: int, body: Body, if_match: IfMatch = None) -> Body:
        return body

    settings = ServiceSettings(service_name="things", database_url="sqlite+aiosqlite://")
    app = create_service_app(settings, title="Things", routers=[router], database=False)
    return app.openapi()


def problems(operation: dict[str, Any]) -> set[int]:
    out = set()
    for status, response in operation["responses"].items():
        if status.startswith(("4", "5")):
            schema = response["content"][PROBLEM_JSON]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{PROBLEM}"}, status
            out.add(int(status))
    return out


def test_each_operation_documents_the_problems_its_shape_allows() -> None:
    doc = document()
    paths = doc["paths"]
    assert problems(paths["/things/{thing_id}"]["get"]) == {400, 401, 403, 404, 422}
    assert problems(paths["/things"]["post"]) == {400, 401, 403, 404, 409, 413, 415, 422, 428}
    assert problems(paths["/things/{thing_id}"]["put"]) == {
        400,
        401,
        403,
        404,
        409,
        412,
        413,
        415,
        422,
        428,
    }
    assert doc["components"]["schemas"][PROBLEM]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_the_idempotency_key_is_a_documented_header() -> None:
    post = document()["paths"]["/things"]["post"]
    headers = {p["name"]: p for p in post["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert "428" in headers["Idempotency-Key"]["description"]


def test_a_merged_document_keeps_its_services_schemas_and_adds_its_own_statuses() -> None:
    service = {"$ref": "#/components/schemas/billing.Problem"}
    merged = {
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "404": {"description": "x", "content": {PROBLEM_JSON: {"schema": service}}}
                    }
                }
            },
        },
        "components": {"schemas": {"billing.Problem": {}}},
    }
    out = document_problems(merged, (429, 503))
    responses = out["paths"]["/a"]["get"]["responses"]
    assert responses["404"]["content"][PROBLEM_JSON]["schema"] == service  # kept
    assert set(responses) == {"400", "401", "403", "404", "422", "429", "503"}
    assert "Problem" not in merged["components"]["schemas"]  # the input is not changed
