"""Comments on a client, a cell, a lesson or a group: author, time, kind, resolved, visible."""

from __future__ import annotations

import uuid

from .conftest import Api, J, Org


def test_comments_carry_author_kind_and_flags_and_are_resolved(api: Api, org: Org) -> None:
    group = api.group(org)
    client = api.enrol(org, group)["client_id"]
    lesson = api.lesson(org, group, "2026-03-02")
    teacher = org.teacher(group["id"])
    created = api.ok(
        "POST",
        f"{J}/comments",
        teacher,
        201,
        json={
            "target": "cell",
            "lesson_id": lesson["id"],
            "client_id": client,
            "kind": "action",
            "body": "Ill again; call on Friday",
            "visible_to_client": True,
        },
    )
    assert created | {"id": None, "created_at": None} == {
        "id": None,
        "target": "cell",
        "group_id": group["id"],
        "lesson_id": lesson["id"],
        "client_id": client,
        "author_id": teacher.subject,
        "kind": "action",
        "body": "Ill again; call on Friday",
        "resolved": False,
        "resolved_at": None,
        "resolved_by": None,
        "visible_to_client": True,
        "created_at": None,
        "version": 1,
    }
    info = api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json={"target": "group", "group_id": group["id"], "body": "Moves to room 2 in April"},
    )
    assert info["kind"] == "information"
    open_actions = api.ok(
        "GET", f"{J}/comments?group_id={group['id']}&kind=action&resolved=false", org.owner
    )["items"]
    assert [c["id"] for c in open_actions] == [created["id"]]
    path = f"{J}/comments/{created['id']}"
    assert api.call("PATCH", path, org.owner, json={"resolved": True}).status_code == 428
    resolved = api.ok("PATCH", path, org.owner, json={"resolved": True}, headers={"If-Match": "1"})
    assert (resolved["resolved"], resolved["resolved_by"]) == (True, org.owner.subject)
    assert resolved["resolved_at"] is not None
    # Only the author rewrites the text.
    rewrite = api.call("PATCH", path, org.owner, json={"body": "x"}, headers={"If-Match": "2"})
    assert rewrite.status_code == 403
    assert (
        api.ok("GET", f"{J}/comments?group_id={group['id']}&kind=action&resolved=false", org.owner)[
            "items"
        ]
        == []
    )


def test_a_comment_names_exactly_what_its_target_needs(api: Api, org: Org) -> None:
    group = api.group(org)
    response = api.call(
        "POST",
        f"{J}/comments",
        org.owner,
        json={"target": "cell", "group_id": group["id"], "body": "?"},
    )
    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("group_id", "a cell comment takes no group_id"),
        ("lesson_id", "a cell comment needs lesson_id"),
        ("client_id", "a cell comment needs client_id"),
    }
    stranger = api.call(
        "POST",
        f"{J}/comments",
        org.owner,
        json={
            "target": "client",
            "group_id": group["id"],
            "client_id": str(uuid.uuid4()),
            "body": "?",
        },
    )
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["message"] == "the client is not in this group"


def test_comments_of_unseen_groups_are_neither_listed_nor_written(api: Api, org: Org) -> None:
    mine, theirs = api.group(org), api.group(org)
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json={"target": "group", "group_id": theirs["id"], "body": "secret"},
    )
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json={"target": "group", "group_id": mine["id"], "body": "ours"},
    )
    teacher = org.teacher(mine["id"])
    seen = api.ok("GET", f"{J}/comments?limit=200", teacher)["items"]
    assert [c["body"] for c in seen] == ["ours"]
    assert api.ok("GET", f"{J}/comments?group_id={theirs['id']}", teacher)["items"] == []
    assert api.ok("GET", f"{J}/comments", Org().owner)["items"] == []
    write = api.call(
        "POST",
        f"{J}/comments",
        teacher,
        json={"target": "group", "group_id": theirs["id"], "body": "x"},
    )
    assert write.status_code == 422
    assert (
        api.call(
            "POST",
            f"{J}/comments",
            org.accountant(),
            json={"target": "group", "group_id": mine["id"], "body": "x"},
        ).status_code
        == 403
    )
