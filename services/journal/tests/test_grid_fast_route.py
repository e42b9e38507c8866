"""GET .../groups/{id}/journal is answered by a fast route (crm_platform.fast_routes) ahead of
its documented FastAPI twin, which answers what the fast route declines (an id or a date in
another spelling, another query parameter). Both answer every request alike."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi.routing import APIRoute
from journal_svc import api as journal_api
from journal_svc.grid import api as grid_api

from crm_contracts.events.clients import ClientRegistered
from crm_platform.internal_auth import Principal
from crm_platform.testing.routes import route_reads

from .conftest import Api, J, Org


def _both(api: Api, who: Principal, group: str, query: dict[str, str], **kw: Any) -> Any:
    """The request as the fast route takes it, and as only the twin takes it (with a query
    parameter the twin ignores and the fast route declines)."""
    path = f"{J}/groups/{group}/journal"
    fast = api.call("GET", path, who, params=query, **kw)
    twin = api.call("GET", path, who, params=query | {"unknown": "1"}, **kw)
    assert fast.status_code == twin.status_code, (fast.text, twin.text)
    assert fast.content == twin.content
    assert fast.headers.get("etag") == twin.headers.get("etag")
    return fast


def test_both_routes_answer_alike(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 20))
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-02")
    client = uuid.uuid4()
    registered = ClientRegistered(client_id=client, first_name="Ola", last_name="Nowak")
    assert api.deliver(registered, org.tenant) == ["done"]
    api.enrol(org, group, client, "2026-03-01")
    assert api.mark(org.owner, lesson, client, "attended").status_code == 200
    month = {"from_date": "2026-03-01", "until_date": "2026-03-31"}
    whole = _both(api, org.owner, group["id"], month)
    assert whole.status_code == 200
    assert whole.json()["rows"][0]["cells"][lesson["id"]]["status"] == "attended"
    assert _both(api, org.owner, group["id"], {}).content == whole.content  # this month
    held = _both(
        api, org.owner, group["id"], month, headers={"If-None-Match": whole.headers["etag"]}
    )
    assert held.status_code == 304
    # Refusals alike: a group the caller may not see, another organisation, bad periods.
    outsider = org.teacher(api.group(org)["id"])
    assert _both(api, outsider, group["id"], month).status_code == 404
    assert _both(api, Org().owner, group["id"], month).status_code == 404
    too_long = {"from_date": "2026-01-01", "until_date": "2027-06-01"}
    assert _both(api, org.owner, group["id"], too_long).status_code == 422
    backwards = {"from_date": "2026-03-31", "until_date": "2026-03-01"}
    assert _both(api, org.owner, group["id"], backwards).status_code == 422


def test_dates_the_fast_route_declines_are_judged_by_the_twin(api: Api, org: Org) -> None:
    group = api.group(org)
    for value in ["2201-01-01", "2026-02-30", "0", "2026-3-01"]:
        refused = api.call(
            "GET", f"{J}/groups/{group['id']}/journal", org.owner, params={"from_date": value}
        )
        assert refused.status_code == 422, value
        assert "from_date" in refused.text


def test_the_fast_route_reads_exactly_what_its_documented_twin_depends_on() -> None:
    (twin,) = [
        r
        for r in grid_api.router.routes
        if isinstance(r, APIRoute) and r.endpoint is grid_api.journal
    ]
    (fast,) = grid_api.FAST_ROUTES
    group = str(uuid.uuid4())
    path = journal_api.router.prefix + twin.path
    assert path == grid_api.PATH
    scope = {"method": "GET", "path": path.replace("{group_id}", group), "query_string": b""}
    assert fast.match(scope) == {"group_id": group}
    month = scope | {"query_string": b"from_date=2026-03-01&until_date=2026-03-31"}
    period = {"from_date": "2026-03-01", "until_date": "2026-03-31"}
    assert fast.match(month) == {"group_id": group} | period
    assert fast.match(month | {"query_string": b"from_date=2026-03-01&unknown=1"}) is None
    assert twin.methods == {fast.method}
    assert route_reads(journal_api.router, twin) == grid_api.FAST_ROUTE_READS
