"""The anonymous personal link, the messenger binding, staff tasks and custom field
definitions."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from .conftest import SYSTEM, Api, staff

CLIENTS = "/api/v1/clients/clients"
RESOLVE = "/internal/v1/clients/links/resolve"
BIND = "/internal/v1/clients/messenger-bindings"


def test_a_personal_link_is_issued_revoked_and_reissued(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    path = f"{CLIENTS}/{client['id']}/link"
    assert api.ok("GET", path, org.owner)["active"] is False
    issued = api.ok("POST", path, org.owner)
    token = issued["token"]
    assert len(token) >= 43
    assert api.ok("GET", path, org.owner)["active"] is True
    resolved = api.ok("POST", RESOLVE, SYSTEM, json={"token": token})
    assert resolved == {
        "tenant_id": str(org.tenant_id),
        "client_id": client["id"],
        "first_name": "Anna",
        "last_name": "Nowak",
        "status": "active",
    }
    stored = api.sql(
        "SELECT token_hash FROM personal_links WHERE client_id = $1", uuid.UUID(client["id"])
    )
    assert [bytes(r["token_hash"]) for r in stored] == [hashlib.sha256(token.encode()).digest()]
    assert api.call("POST", RESOLVE, org.owner, json={"token": token}).status_code == 404

    reissued = api.ok("POST", path, org.owner)["token"]
    assert reissued != token
    assert api.call("POST", RESOLVE, SYSTEM, json={"token": token}).status_code == 404
    assert api.ok("POST", RESOLVE, SYSTEM, json={"token": reissued})["client_id"] == client["id"]
    assert api.call("DELETE", path, org.owner).status_code == 204
    assert api.call("POST", RESOLVE, SYSTEM, json={"token": reissued}).status_code == 404
    assert api.call("DELETE", path, org.owner).status_code == 409
    kinds = [
        h["kind"] for h in api.ok("GET", f"{CLIENTS}/{client['id']}/history", org.owner)["items"]
    ]
    assert kinds[:3] == ["link.revoked", "link.issued", "link.issued"]


def test_an_archived_clients_link_stops_working(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    token = api.ok("POST", f"{CLIENTS}/{client['id']}/link", org.owner)["token"]
    api.ok("POST", f"{CLIENTS}/{client['id']}/archive", org.owner)
    assert api.call("POST", RESOLVE, SYSTEM, json={"token": token}).status_code == 404
    assert api.call("POST", f"{CLIENTS}/{client['id']}/link", org.owner).status_code == 409


def bind(api: Api, org_id: uuid.UUID, phone: str, chat: str = "chat-1") -> Any:
    return api.call(
        "POST",
        BIND,
        SYSTEM,
        json={
            "organisation_id": str(org_id),
            "channel": "telegram",
            "chat_id": chat,
            "phone": phone,
        },
    )


def test_a_messenger_chat_binds_to_the_clients_with_the_shared_phone(api: Api) -> None:
    org = api.organisation()
    son = api.client_of(org, first_name="Jaś", phone="601 555 444")
    daughter = api.client_of(org, first_name="Ola", phone="+48601555444")
    api.client_of(org, first_name="Other", phone="601 555 000")
    bound = bind(api, org.tenant_id, "+48 601 555 444")
    assert bound.status_code == 200, bound.text
    assert bound.json() == {
        "client_ids": [son["id"], daughter["id"]],
        "names": ["Jaś Nowak", "Ola Nowak"],
    }
    assert [e["data"]["chat_id"] for e in api.events("clients.messenger_bound", son["id"])] == [
        "chat-1"
    ]
    assert bind(api, org.tenant_id, "48601555444").status_code == 200  # again: no second row
    assert len(api.events("clients.messenger_bound", son["id"])) == 1

    unknown = bind(api, org.tenant_id, "+48 601 000 000")
    assert unknown.status_code == 404
    assert "no client of this school has this phone number" in unknown.json()["detail"]
    garbage = bind(api, org.tenant_id, "hello")
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "phone"
    other = api.organisation()
    assert bind(api, other.tenant_id, "+48 601 555 444").status_code == 404
    api.ok("POST", f"{CLIENTS}/{son['id']}/archive", org.owner)
    api.ok("POST", f"{CLIENTS}/{daughter['id']}/archive", org.owner)
    archived = bind(api, org.tenant_id, "+48601555444", chat="chat-2")
    assert archived.status_code == 404
    assert "archived" in archived.json()["detail"]
    assert api.call("POST", BIND, org.owner, json={}).status_code == 404


def test_tasks_on_a_client_have_a_date_an_assignee_and_a_status(api: Api) -> None:
    org = api.organisation()
    group = uuid.uuid4()
    client = api.client_of(org)
    api.enrol(org, client["id"], group)
    teacher_id = api.staff_member(org.tenant_id, groups={group})  # as identity announces
    teacher = staff(org.tenant_id, "teacher", groups={group}, user=teacher_id)
    path = f"{CLIENTS}/{client['id']}/tasks"
    task = api.ok(
        "POST",
        path,
        org.owner,
        json={
            "kind": "call",
            "title": "Ask about the next term",
            "due_date": "2026-02-01",
            "assignee_id": str(teacher_id),
        },
    )
    assert task["status"] == "open"
    assert task["assignee_id"] == str(teacher_id)
    api.ok(
        "POST",
        path,
        org.owner,
        json={"title": "Send the contract", "kind": "task", "due_date": "2026-03-01"},
    )
    listed = api.ok("GET", path, teacher)["items"]
    assert [t["title"] for t in listed] == ["Ask about the next term", "Send the contract"]
    mine = api.ok("GET", "/api/v1/clients/tasks", teacher, params={"mine": "true"})["items"]
    assert [t["id"] for t in mine] == [task["id"]]
    due = api.ok(
        "GET",
        "/api/v1/clients/tasks",
        org.owner,
        params={"due_until": "2026-02-15", "status": "open"},
    )["items"]
    assert [t["id"] for t in due] == [task["id"]]
    task_path = f"{path}/{task['id']}"
    assert api.call("PATCH", task_path, teacher, json={"status": "done"}).status_code == 428
    done = api.ok("PATCH", task_path, teacher, json={"status": "done"}, headers={"If-Match": "1"})
    assert done["status"] == "done"
    assert done["version"] == 2
    assert (
        api.call(
            "PATCH", task_path, teacher, json={"status": "open"}, headers={"If-Match": "1"}
        ).status_code
        == 412
    )
    events = api.ok(
        "GET", f"{CLIENTS}/{client['id']}/history", org.owner, params={"section": "events"}
    )["items"]
    assert [h["kind"] for h in events] == ["task.done", "task.created", "task.created"]
    bad = api.call("POST", path, org.owner, json={"title": "", "due_date": "someday"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"title", "due_date"}
    stranger = staff(org.tenant_id, "teacher", groups={uuid.uuid4()})
    assert api.ok("GET", "/api/v1/clients/tasks", stranger)["items"] == []
    assert (
        api.call(
            "PATCH", task_path, stranger, json={"status": "open"}, headers={"If-Match": "2"}
        ).status_code
        == 404
    )


def test_custom_fields_are_defined_per_organisation_by_managers(api: Api) -> None:
    org = api.organisation()
    fields = "/api/v1/clients/custom-fields"
    created = api.ok(
        "POST", fields, org.owner, json={"key": "school", "label": "School", "kind": "text"}
    )
    assert (
        api.call(
            "POST", fields, org.owner, json={"key": "school", "label": "Again", "kind": "text"}
        ).status_code
        == 422
    )
    assert (
        api.call(
            "POST", fields, org.owner, json={"key": "level", "label": "L", "kind": "choice"}
        ).status_code
        == 422
    )
    teacher = staff(org.tenant_id, "teacher")
    assert (
        api.call(
            "POST", fields, teacher, json={"key": "x", "label": "X", "kind": "bool"}
        ).status_code
        == 403
    )
    other = api.organisation()
    assert api.ok("GET", fields, other.owner) == {"items": [], "next_cursor": None}
    refused = api.call(
        "POST",
        CLIENTS,
        other.owner,
        json={"first_name": "A", "last_name": "B", "custom_fields": {"school": "No 5"}},
    )
    assert refused.status_code == 422
    api.client_of(org, custom_fields={"school": "No 5"})
    assert api.call("DELETE", f"{fields}/{created['id']}", other.owner).status_code == 404
    assert api.call("DELETE", f"{fields}/{created['id']}", org.owner).status_code == 204
    assert api.ok("GET", fields, org.owner) == {"items": [], "next_cursor": None}


def test_tags_are_created_renamed_and_deleted_per_organisation(api: Api) -> None:
    org = api.organisation()
    tags = "/api/v1/clients/tags"
    piano = api.ok("POST", tags, org.owner, json={"name": "Piano"})
    assert api.call("POST", tags, org.owner, json={"name": " piano "}).status_code == 409
    client = api.client_of(org, tag_ids=[piano["id"]])
    renamed = api.ok("PATCH", f"{tags}/{piano['id']}", org.owner, json={"name": "Grand piano"})
    assert renamed["name"] == "Grand piano"
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["tags"][0]["name"] == (
        "Grand piano"
    )
    other = api.organisation()
    assert api.ok("GET", tags, other.owner) == {"items": [], "next_cursor": None}
    assert [t["name"] for t in api.ok("GET", tags, org.owner)["items"]] == ["Grand piano"]
    assert api.call("DELETE", f"{tags}/{piano['id']}", other.owner).status_code == 404
    foreign = api.call(
        "PUT",
        f"{CLIENTS}/{api.client_of(other)['id']}/tags",
        other.owner,
        json={"tag_ids": [piano["id"]]},
    )
    assert foreign.status_code == 422
    assert api.call("DELETE", f"{tags}/{piano['id']}", org.owner).status_code == 204
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["tags"] == []
    assert api.events("clients.client_updated", client["id"])[-1]["data"]["tag_ids"] == []


def test_every_event_this_module_emitted_validates_against_its_contract(api: Api) -> None:
    """Runs last in this module: each outbox row is a known event whose data fits its model."""
    import json

    from crm_contracts.envelope import EventEnvelope
    from crm_contracts.registry import registry

    rows = api.sql("SELECT event_type, body FROM outbox ORDER BY seq")
    seen = set()
    for row in rows:
        envelope = EventEnvelope.model_validate(json.loads(row["body"]))
        assert envelope.type == row["event_type"]
        assert envelope.source == "clients"
        registry.get(envelope.type, envelope.version).model_validate(envelope.data)
        seen.add(envelope.type)
    assert {"clients.client_registered", "clients.messenger_bound"} <= seen
