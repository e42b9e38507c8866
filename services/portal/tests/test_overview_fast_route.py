"""GET /portal/v1/overview is answered by a fast route (crm_platform.fast_routes) ahead of its
documented FastAPI twin, which answers the requests the fast route declines (a client id in
capitals, another query parameter). Both must answer every request alike, and neither may
hand one caller's kept answer to another."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.routing import APIRoute
from portal_svc import api as portal_api
from portal_svc.overview import api as overview_api

from crm_platform.internal_auth import Principal
from crm_platform.testing.routes import route_reads

from .conftest import Api, Org, P, account, link


def _overview(api: Api, who: Principal | None, client: uuid.UUID | None, *, twin: bool) -> Any:
    """The same request to the fast route or (the client id spelt in capitals, which the
    fast route does not take) to its FastAPI twin."""
    params = {} if client is None else {"client_id": str(client).upper() if twin else str(client)}
    if twin and client is None:
        params = {"unknown": "1"}  # ignored by the twin, declined by the fast route
    if who is None:
        return api.client.get(f"{P}/overview", params=params)
    return api.call("GET", f"{P}/overview", who, params=params)


def _alike(api: Api, who: Principal | None, client: uuid.UUID | None) -> tuple[int, Any]:
    fast, twin = (_overview(api, who, client, twin=t) for t in (False, True))
    assert fast.status_code == twin.status_code, (fast.text, twin.text)
    assert fast.headers["content-type"] == twin.headers["content-type"]
    assert fast.content == twin.content
    assert fast.headers["x-request-id"] != twin.headers["x-request-id"]
    return fast.status_code, fast.json()


def test_answers_are_the_same_bytes_by_either_route_kept_or_not(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    for _ in range(2):  # computed, then kept
        status, doc = _alike(api, parent, org.child)
        assert status == 200
        assert doc["client"]["first_name"] == "Jan"
        status, doc = _alike(api, parent, None)
        assert (status, doc["client"]["client_id"]) == (200, str(org.parent))
    assert _alike(api, link(org.tenant, org.child), None)[0] == 200


def test_a_kept_answer_is_never_another_callers(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    assert _alike(api, parent, org.child)[0] == 200  # Jan's overview kept for his parent
    stranger = Org()
    api.deliver(stranger, *stranger.basics())
    others = [
        account(org.tenant, stranger.parent),  # a parent of another family
        account(stranger.tenant, stranger.parent),  # of another organisation
        account(org.tenant, uuid.uuid4()),  # an account linked to nobody known
        link(org.tenant, org.other_child),  # Ola's personal link: Ola alone
    ]
    for who in others:
        status, doc = _alike(api, who, org.child)
        assert status == 404, who
        assert doc["status"] == 404
    # Asking about the other family's child is as unknown as asking about nobody.
    for client in (stranger.child, uuid.uuid4()):
        assert _alike(api, parent, client)[0] == 404


def test_a_request_without_the_gateways_token_is_401_alike(api: Api, org: Org) -> None:
    assert _alike(api, None, org.child)[0] == 401
    forged = {"X-Internal-Token": "forged"}
    fast, twin = (
        api.client.get(f"{P}/overview", params={"client_id": spelt}, headers=forged)
        for spelt in (str(org.child), str(org.child).upper())
    )
    assert fast.status_code == twin.status_code == 401
    assert fast.content == twin.content


def test_the_fast_route_reads_exactly_what_its_documented_twin_depends_on() -> None:
    """As for billing's payments: a dependency or parameter the twin gains or loses must be
    mirrored in overview/api.py's FAST_ROUTE_READS, or this fails."""
    (twin,) = [
        r
        for r in overview_api.router.routes
        if isinstance(r, APIRoute) and r.endpoint is overview_api.overview
    ]
    (fast,) = overview_api.FAST_ROUTES
    path = portal_api.router.prefix + twin.path
    assert fast.match({"method": "GET", "path": path, "query_string": b""}) == {}
    assert twin.methods == {fast.method}
    assert route_reads(portal_api.router, twin) == overview_api.FAST_ROUTE_READS


def test_the_document_still_describes_the_overview(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operation = document["paths"][f"{P}/overview"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["client_id"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Overview"}
