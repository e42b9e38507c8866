"""Fast routes answer their requests ahead of FastAPI and decline the rest to it."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.responses import Response

from crm_platform.errors import ProblemError, install_problem_handlers
from crm_platform.fast_routes import MAX_BODY_BYTES, FastRequest, FastRoute, FastRoutes
from crm_platform.middleware import RequestContextMiddleware


class Thing(BaseModel):
    size: int


async def fast(request: FastRequest) -> Response:
    thing = request.parse(Thing)
    if thing.size == 13:
        raise ProblemError(409, "Conflict", "unlucky")
    if thing.size == 410:
        raise HTTPException(410, "no longer here")
    if thing.size == 666:
        raise RuntimeError("a bug")
    return Response(f"fast {request.params['thing_id']} {thing.size}", 201)


def _app() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things/{thing_id}", status_code=201)
    async def twin(thing_id: str, body: Thing) -> Response:
        return Response(f"twin {thing_id} {body.size}", 201)

    app.add_middleware(FastRoutes, routes=[FastRoute("POST", "/things/{thing_id}", fast)])
    app.add_middleware(RequestContextMiddleware, service="test")
    return TestClient(app, raise_server_exceptions=False)


def test_the_fast_route_takes_canonical_paths_and_json_bodies_only() -> None:
    client = _app()
    thing = str(uuid.uuid4())
    taken = client.post(f"/things/{thing}", json={"size": 3})
    assert taken.status_code == 201
    assert taken.text == f"fast {thing} 3"
    assert taken.headers["x-request-id"]
    assert client.post(f"/things/{thing.upper()}", json={"size": 3}).text.startswith("twin")
    assert client.post("/things/not-a-uuid", json={"size": 3}).text.startswith("twin")
    assert client.post(f"/things/{thing}/more", json={"size": 3}).status_code == 404
    form = client.post(f"/things/{thing}", content=b"size=3", headers={"content-type": "text/x"})
    assert form.status_code == 415  # the twin's refusal of a body that is not JSON


def test_refusals_are_problem_documents() -> None:
    client = _app()
    path = f"/things/{uuid.uuid4()}"
    conflict = client.post(path, json={"size": 13})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["instance"] == path
    invalid = client.post(path, json={"size": "big"})
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.json()["errors"]] == ["size"]
    too_big = client.post(
        path,
        content=b"[" + b" " * MAX_BODY_BYTES + b"]",
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413
    gone = client.post(path, json={"size": 410})
    assert gone.status_code == 410  # an HTTPException from the handler, as the twin answers it
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["detail"] == "no longer here"
    bug = client.post(path, json={"size": 666})
    assert bug.status_code == 500
    assert bug.json()["title"] == "Internal Server Error"


async def fast_get(request: FastRequest) -> Response:
    return Response(f"fast {request.params.get('of')} {request.body!r}")


def test_a_get_takes_its_canonical_query_and_no_body() -> None:
    app = FastAPI()

    @app.get("/items")
    async def twin(of: str | None = None, page: int = 1) -> Response:
        return Response(f"twin {of} {page}")

    app.add_middleware(FastRoutes, routes=[FastRoute("GET", "/items", fast_get, query=["of"])])
    client = TestClient(app)
    one = str(uuid.uuid4())
    assert client.get("/items").text == "fast None b''"
    assert client.get("/items", params={"of": one}).text == f"fast {one} b''"
    # A GET is taken whatever its content type, and its body is not read (as by its twin).
    sent = client.request("GET", "/items", content=b"{}", headers={"content-type": "text/x"})
    assert sent.text == "fast None b''"
    # Any other query goes to the twin: another parameter, another spelling, a repetition.
    assert client.get(f"/items?of={one}&page=2").text == f"twin {one} 2"
    assert client.get(f"/items?of={one.upper()}").text == f"twin {one.upper()} 1"
    assert client.get(f"/items?of={one}&of={one}").text.startswith("twin")
    assert client.get("/items?of=").text.startswith("twin")
    assert client.get(f"/items?of={one}&").text.startswith("twin")
    assert client.post("/items").status_code == 405  # another method: the twin's answer


async def fast_dates(request: FastRequest) -> Response:
    return Response(f"fast {request.params.get('since')}")


def test_a_date_in_the_query_is_taken_only_as_a_business_date() -> None:
    app = FastAPI()

    @app.get("/days")
    async def twin(since: str | None = None) -> Response:
        return Response(f"twin {since}")

    app.add_middleware(FastRoutes, routes=[FastRoute("GET", "/days", fast_dates, dates=["since"])])
    client = TestClient(app)
    assert client.get("/days?since=2026-03-01").text == "fast 2026-03-01"
    assert client.get("/days?since=2200-12-31").text == "fast 2200-12-31"
    # Anything the twin must judge goes to it: out of range, not a day, another spelling.
    for value in ["2201-01-01", "1899-12-31", "2026-02-30", "2026-3-01", "20260301", "0", ""]:
        assert client.get(f"/days?since={value}").text == f"twin {value}", value
    assert client.get("/days?since=2026-03-01&since=2026-03-02").text.startswith("twin")
    assert client.get(f"/days?since={uuid.uuid4()}").text.startswith("twin")
