"""Knowledge centre: owners publish for the chain, admins for their branches; a client sees
the chain's materials and those of the branches they are enrolled in; files up to the limit,
of allowed types, served through short-lived signed links."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from crm_contracts.events import identity as i
from crm_contracts.events import journal as j
from crm_platform.internal_auth import Principal

from .conftest import TODAY_NOON, Api, Org, P, account

S = "/api/v1/portal"


def staff(org: Org, role: str, *branches: uuid.UUID) -> Principal:
    return Principal(
        tenant_id=org.tenant,
        subject=str(uuid.uuid4()),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        branch_ids=frozenset(branches),
    )


def publish(api: Api, org: Org, who: Principal, title: str, branch: uuid.UUID | None) -> dict:  # type: ignore[type-arg]
    body = {"title": title, "body": "**Hello**", "links": ["https://example.com/a"]}
    if branch is not None:
        body["branch_id"] = str(branch)
    return api.ok("POST", f"{S}/materials", who, 201, json=body)  # type: ignore[no-any-return]


def test_who_publishes_what_and_who_sees_it(api: Api, org: Org) -> None:
    owner, admin = staff(org, "owner"), staff(org, "admin", org.branch)
    elsewhere = uuid.uuid4()
    api.deliver(org, i.BranchCreated(branch_id=elsewhere, name="North"))
    chain = publish(api, org, owner, "For everyone", None)
    mine = publish(api, org, admin, "Branch news", org.branch)
    theirs = publish(api, org, owner, "Other branch", elsewhere)
    # An admin neither publishes for the chain nor for a branch not theirs; a teacher not at all.
    body = {"title": "x"}
    assert api.call("POST", f"{S}/materials", admin, json=body).status_code == 403
    other = body | {"branch_id": str(elsewhere)}
    assert api.call("POST", f"{S}/materials", admin, json=other).status_code == 422
    teacher = staff(org, "teacher", org.branch)
    assert api.call("POST", f"{S}/materials", teacher, json=body).status_code == 403
    assert api.call("PATCH", f"{S}/materials/{theirs['id']}", admin, json=body).status_code == 404
    listed = {m["title"] for m in api.ok("GET", f"{S}/materials", admin)["items"]}
    assert listed == {"For everyone", "Branch news"}
    # Jan is enrolled in a group of org.branch: he sees the chain's and that branch's.
    seen = api.get(f"{P}/knowledge", account(org.tenant, org.parent), client_id=org.child)
    assert (seen["client_id"], seen["next_cursor"]) == (str(org.child), None)  # the whole list
    assert {m["id"] for m in seen["items"]} == {chain["id"], mine["id"]}
    # Ola is enrolled nowhere: the chain's only; another organisation's client: nothing of ours.
    seen = api.get(f"{P}/knowledge", account(org.tenant, org.parent), client_id=org.other_child)
    assert [m["id"] for m in seen["items"]] == [chain["id"]]
    stranger = Org()
    api.deliver(stranger, *stranger.basics())
    assert api.get(f"{P}/knowledge", account(stranger.tenant, stranger.child))["items"] == []
    # Stale If-Match is 412.
    stale = api.call(
        "PATCH",
        f"{S}/materials/{mine['id']}",
        admin,
        json={"title": "y"},
        headers={"If-Match": '"0"'},
    )
    assert stale.status_code == 412


def test_a_material_names_only_a_branch_of_the_organisation_the_caller_sees(
    api: Api, org: Org
) -> None:
    first, south = uuid.uuid4(), uuid.uuid4()
    stranger = Org()
    api.deliver(stranger, *stranger.basics())
    # Branches are learnt from identity's events (in one batch: a group of the new branch too).
    registered = i.OrganisationRegistered(
        organisation_id=org.tenant,
        name="Music school",
        currency="PLN",
        time_zone="Europe/Warsaw",
        locale="pl",
        first_branch_id=first,
        owner_user_id=uuid.uuid4(),
    )
    outcomes = api.deliver(
        org,
        registered,
        i.BranchCreated(branch_id=south, name="South"),
        j.GroupCreated(group_id=uuid.uuid4(), branch_id=south, name="Violin"),
    )
    assert outcomes == ["done"] * 3
    owner, admin = staff(org, "owner"), staff(org, "admin", org.branch)
    answers = []
    for caller, branch in (
        (owner, stranger.branch),  # another organisation's
        (owner, uuid.uuid4()),  # no branch at all
        (admin, uuid.uuid4()),
        (admin, south),  # of the organisation, not the admin's
    ):
        body = {"title": "Timetable", "branch_id": str(branch)}
        refused = api.call("POST", f"{S}/materials", caller, json=body)
        assert refused.status_code == 422, refused.text
        answers.append(refused.json()["errors"])
    assert answers == [[{"field": "branch_id", "in": "body", "message": "no such branch"}]] * 4
    assert api.ok("GET", f"{S}/materials", owner)["items"] == []
    assert api.get(f"{P}/knowledge", account(stranger.tenant, stranger.child))["items"] == []
    allowed = ((owner, first), (owner, south), (owner, org.branch), (admin, org.branch))
    for caller, branch in allowed:
        assert publish(api, org, caller, "Timetable", branch)["branch_id"] == str(branch)


def upload(api: Api, who: Principal, material: dict, data: bytes, kind: str, name: str = "a.pdf"):  # type: ignore[no-untyped-def,type-arg]
    return api.call(
        "POST",
        f"{S}/materials/{material['id']}/files",
        who,
        params={"name": name},
        content=data,
        headers={"content-type": kind},
    )


def test_files_limits_types_and_signed_links(api: Api, org: Org) -> None:
    owner = staff(org, "owner")
    material = publish(api, org, owner, "Scores", None)
    assert (
        upload(api, owner, material, b"x" * (20 * 1024 * 1024 + 1), "application/pdf").status_code
        == 413
    )
    refused = upload(api, owner, material, b"MZ...", "application/x-msdownload", "a.exe")
    assert refused.status_code == 415
    assert upload(api, owner, material, b"", "application/pdf").status_code == 422
    stored = upload(api, owner, material, b"%PDF-1.7 scores", "application/pdf", "scores.pdf")
    assert stored.status_code == 201, stored.text
    seen = api.get(f"{P}/knowledge", account(org.tenant, org.child))
    (file,) = next(m for m in seen["items"] if m["id"] == material["id"])["files"]
    fetched = api.call(
        "GET", file["url"], Principal(tenant_id=None, subject="anonymous", realm="anonymous")
    )
    assert fetched.status_code == 200
    assert fetched.content == b"%PDF-1.7 scores"
    assert fetched.headers["content-type"] == "application/pdf"
    assert "attachment" in fetched.headers["content-disposition"]
    anonymous = Principal(tenant_id=None, subject="anonymous", realm="anonymous")
    # A tampered link, and the same link after it expired: 403.
    query = parse_qs(urlsplit(file["url"]).query)
    path = urlsplit(file["url"]).path
    forged = {"expires": str(int(query["expires"][0]) + 3600), "sig": query["sig"][0]}
    assert api.call("GET", path, anonymous, params=forged).status_code == 403
    # A signature of the right length in letters beyond ASCII: refused the same way.
    strange = {"expires": query["expires"][0], "sig": "\u00e9" * 64}
    assert api.call("GET", path, anonymous, params=strange).status_code == 403
    api.today(date(2026, 3, 3))  # a day later
    try:
        assert api.call("GET", file["url"], anonymous).status_code == 403
    finally:
        api.client.app.state.clock = lambda: TODAY_NOON  # type: ignore[attr-defined]
    assert datetime.fromisoformat(file["expires_at"]) <= TODAY_NOON + timedelta(minutes=10)
