"""Every list through the gateway, as every kind of staff: no answer names an id outside the
caller's scope.

One organisation with two branches (Centre and North), a group, a room, clients, lessons,
leads, invoices, payments, a pack, a task, a comment, a knowledge material and the owner's
broadcast to the branch's client in each, a group-only client in Centre, and staff of each kind;
and another organisation's owner. Each actor then reads every GET route of the policy table
that is a list or a document of the organisation (and each nested list under a resource the
actor sees); every id found anywhere in a 200 answer is checked against what that actor must
never learn of.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx

from crm_devrun.processes import poll_until
from gateway_app.policy import PolicyTable
from gateway_app.route import Route

from .test_access import (
    add_staff,
    bearer,
    journal_knows,
    post_once_known,
    sign_up,
)
from .test_journal_billing import billing_knows

ID, CL, BI, JO = "/api/v1/identity", "/api/v1/clients", "/api/v1/billing", "/api/v1/journal"
NO, PS = "/api/v1/notifications", "/api/v1/portal"
THIS_MONTH = date.today().replace(day=1)
PARAMS: dict[str, dict[str, str]] = {
    f"{JO}/teachers/pay": {"from_date": str(THIS_MONTH), "until_date": str(date.today())},
    f"{JO}/figures/teachers": {"from_date": str(THIS_MONTH), "until_date": str(date.today())},
    f"{CL}/clients/duplicates": {"phone": "+48 601 000 002"},
}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def ids_in(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            yield from ids_in(key)
            yield from ids_in(value)
    elif isinstance(document, list):
        for value in document:
            yield from ids_in(value)
    elif isinstance(document, str):
        yield from UUID_TEXT.findall(document.lower())


class Branch:
    """What one branch holds: its id, a group, a room, a lesson, clients, leads, money."""

    def __init__(self, branch_id: str) -> None:
        self.id = branch_id
        self.ids: set[str] = {branch_id}
        self.names: dict[str, str] = {branch_id: "branch"}
        self.group = ""
        self.client = ""
        self.lesson = ""

    def add(self, **ids: str) -> None:
        self.ids.update(ids.values())
        self.names.update({v: k for k, v in ids.items()})


async def furnish(
    gateway: httpx.AsyncClient, owner: dict[str, str], branch: Branch, n: int
) -> None:
    group = await post_once_known(
        gateway,
        f"{JO}/groups",
        owner,
        {"name": f"Group {n}", "branch_id": branch.id, "starts_on": str(THIS_MONTH)},
    )
    room = await post_once_known(
        gateway, f"{JO}/rooms", owner, {"name": f"Room {n}", "branch_id": branch.id}
    )
    client = await post_once_known(
        gateway,
        f"{CL}/clients",
        owner,
        {
            "first_name": f"Client{n}",
            "last_name": "Nowak",
            "phone": f"+48 601 000 00{n}",
            "branch_id": branch.id,
        },
    )
    await post_once_known(
        gateway,
        f"{JO}/groups/{group['id']}/enrolments",
        owner,
        {"client_id": client["id"], "from_date": str(THIS_MONTH)},
    )
    lesson = await post_once_known(
        gateway,
        f"{JO}/groups/{group['id']}/lessons",
        owner,
        {"lesson_date": str(date.today()), "starts_at": "10:00", "duration_minutes": 60},
    )
    lead = await post_once_known(
        gateway,
        f"{CL}/leads",
        owner,
        {"first_name": f"Lead{n}", "last_name": "Kowal", "branch_id": branch.id},
    )
    invoice = await post_once_known(
        gateway,
        f"{BI}/clients/{client['id']}/invoices",
        owner,
        {"amount_minor": 1000, "due_on": "2099-01-01", "description": f"Invoice {n}"},
    )
    paid = await gateway.post(
        f"{BI}/clients/{client['id']}/payments",
        headers=owner | {"Idempotency-Key": uuid.uuid4().hex},
        json={"amount_minor": 500, "method": "cash"},
    )
    assert paid.status_code == 201, paid.text
    branch.group, branch.client, branch.lesson = group["id"], client["id"], lesson["id"]
    branch.add(
        group=group["id"],
        room=room["id"],
        client=client["id"],
        lesson=lesson["id"],
        lead=lead["id"],
        invoice=invoice["id"],
        payment=paid.json()["id"],
    )


async def furnish_more(
    gateway: httpx.AsyncClient, owner: dict[str, str], branch: Branch, service_id: str
) -> None:
    """What else a branch holds that a list may show: a pack sold for the branch, a task on
    its client, a comment on its group, a material for its clients and a broadcast to one."""

    async def sold() -> dict[str, Any] | None:
        # 422 until billing has learnt the branch from identity's events
        response = await gateway.post(
            f"{BI}/clients/{branch.client}/packs",
            headers=owner | {"Idempotency-Key": uuid.uuid4().hex},
            json={"service_id": service_id, "payment_mode": "none", "branch_id": branch.id},
        )
        if response.status_code == 422:
            return None
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def broadcast() -> dict[str, Any] | None:
        # 404 until notifications has learnt the client from clients' events
        response = await gateway.post(
            f"{NO}/broadcasts",
            headers=owner,
            json={
                "audience": {"kind": "client", "id": branch.client},
                "subject": "Concert",
                "body": "Come!",
            },
        )
        if response.status_code == 404:
            return None
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return answer

    pack = await poll_until(sold, within=30.0, what="billing to sell for the branch")
    task = await post_once_known(
        gateway,
        f"{CL}/clients/{branch.client}/tasks",
        owner,
        {"title": "Call", "due_date": str(date.today())},
    )
    comment = await post_once_known(
        gateway,
        f"{JO}/comments",
        owner,
        {"target": "group", "group_id": branch.group, "body": "Bring the notes"},
    )
    material = await post_once_known(
        gateway, f"{PS}/materials", owner, {"title": "Timetable", "branch_id": branch.id}
    )
    sent = await poll_until(broadcast, within=30.0, what="notifications to know the client")
    branch.add(
        pack=pack["id"],
        task=task["id"],
        comment=comment["id"],
        material=material["id"],
        broadcast=sent["id"],
    )


def nested(route: Route, own: Branch) -> str | None:
    """The route's path under the actor's own resources, or None when it is not a list of
    the organisation or under a located resource."""
    values = {"group": own.group, "client": own.client, "lesson": own.lesson, "branch": own.id}
    path = route.path
    for param in re.findall(r"\{(\w+)\}", route.path):
        kind = route.locate.get(param)
        if kind is None:
            return None  # one resource by an id of its own: not a list
        path = path.replace(f"{{{param}}}", values[kind])
    return path


async def test_every_list_shows_each_role_only_its_scope(gateway: httpx.AsyncClient) -> None:
    school = await sign_up(gateway, "Scope school")
    owner = bearer(school["tokens"])
    await journal_knows(gateway, owner)
    await billing_knows(gateway, owner)
    centre = Branch(school["branch"]["id"])
    created = await gateway.post(f"{ID}/branches", headers=owner, json={"name": "North"})
    assert created.status_code == 201, created.text
    north = Branch(created.json()["id"])
    await furnish(gateway, owner, centre, 1)
    await furnish(gateway, owner, north, 2)
    service = await gateway.post(
        f"{BI}/catalogue",
        headers=owner,
        json={
            "kind": "pack",
            "name": "Piano x 4",
            "price_minor": 1000,
            "classes": 4,
            "period": {"unit": "month", "count": 1},
        },
    )
    assert service.status_code == 201, service.text
    for branch in (centre, north):
        await furnish_more(gateway, owner, branch, service.json()["id"])
    # A Centre client in no group: the Centre staff see it, a group's teacher does not.
    loner = await post_once_known(
        gateway,
        f"{CL}/clients",
        owner,
        {"first_name": "Lone", "last_name": "Wolf", "branch_id": centre.id},
    )

    in_branch = [{"scope": "branch", "scope_id": centre.id}]
    in_group = [{"scope": "group", "scope_id": centre.group}]
    north_teacher, _ = await add_staff(
        gateway, owner, "teacher", [{"scope": "group", "scope_id": north.group}]
    )
    north_admin, _ = await add_staff(
        gateway, owner, "admin", [{"scope": "branch", "scope_id": north.id}]
    )
    north.add(teacher=north_teacher["id"], admin=north_admin["id"])
    actors: dict[str, tuple[dict[str, str], set[str]]] = {}
    for name, role, grants in (
        ("admin", "admin", in_branch),
        ("accountant", "accountant", in_branch),
        ("teacher", "teacher", in_group),
    ):
        _, tokens = await add_staff(gateway, owner, role, grants)
        actors[name] = (bearer(tokens), set(north.ids))
    hidden_user, hidden_tokens = await add_staff(gateway, owner, "teacher", in_group)
    hidden_finance = await gateway.patch(
        f"{ID}/staff/{hidden_user['id']}",
        headers=owner | {"If-Match": str(hidden_user["version"])},
        json={"finances_hidden": True},
    )
    assert hidden_finance.status_code == 200, hidden_finance.text
    teacher_sees_not = set(north.ids) | {loner["id"]}
    actors["teacher"] = (actors["teacher"][0], teacher_sees_not)
    actors["teacher, finances hidden"] = (bearer(hidden_tokens), teacher_sees_not)
    other = await sign_up(gateway, "Other school")
    everything = centre.ids | north.ids | {loner["id"], school["organisation"]["id"]}
    actors["another organisation's owner"] = (bearer(other["tokens"]), everything)
    actors["owner"] = (owner, {other["organisation"]["id"], other["branch"]["id"]})

    routes = [
        r
        for r in PolicyTable().routes
        if r.method == "GET" and r.path.startswith("/api/v1/") and r.realm == "staff"
    ]
    leaks: list[str] = []
    seen: dict[str, set[str]] = {name: set() for name in actors}
    walked = 0
    for name, (headers, never) in actors.items():
        mine = Branch(other["branch"]["id"]) if name.startswith("another") else centre
        for route in routes:
            path = nested(route, mine)
            if path is None or (mine is not centre and route.locate):
                continue
            response = await gateway.get(path, headers=headers, params=PARAMS.get(route.path))
            assert response.status_code < 500, f"{name} GET {path}: {response.text}"
            if response.status_code != 200:
                continue
            walked += 1
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/")
                and "json" in response.headers.get("content-type", "")
                else response.text
            )
            seen[name].update(ids_in(body))
            found = set(ids_in(body)) & never
            if found:
                leaks.append(f"{name} GET {route.path}: {sorted(found)}")
    assert leaks == []
    assert walked > 100
    # The walk does find ids: the owner meets every one of North's (lessons are listed only
    # under their group), the Centre staff Centre's.
    unmet = [north.names[i] for i in north.ids - seen["owner"]]
    assert unmet == ["lesson"], unmet
    # Less only where a role may not list it: a branch admin reads the broadcasts they sent
    # (not the owner's), an accountant neither broadcasts nor the knowledge centre.
    for name, unlisted in (("admin", ["broadcast"]), ("accountant", ["broadcast", "material"])):
        missed = sorted(centre.names[i] for i in centre.ids - seen[name])
        assert missed == unlisted, (name, missed)
