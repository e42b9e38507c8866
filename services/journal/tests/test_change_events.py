"""Events the portal and billing follow: a lesson moved or given another teacher
(journal.lesson_changed, the lesson's whole state) and comments the client may see
(journal.comment_visible). Each is checked in the outbox the relay publishes from, and
against the committed contract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.journal import CommentVisible, LessonChanged

from .conftest import Api, J, Org


def test_moving_a_lesson_or_changing_its_teacher_publishes_its_state(api: Api, org: Org) -> None:
    teacher, substitute = uuid.uuid4(), api.teacher_of(org)
    group = api.group(org, teacher_ids=[str(teacher)])
    lesson = api.lesson(org, group, "2026-03-02", "10:00")
    assert lesson["teacher_id"] == str(teacher)
    url = f"{J}/lessons/{lesson['id']}"

    def patch(body: dict[str, Any], version: int) -> Any:
        return api.call("PATCH", url, org.owner, json=body, headers={"If-Match": str(version)})

    moved = patch({"lesson_date": "2026-03-03", "starts_at": "11:30"}, lesson["version"]).json()
    covered = patch({"teacher_id": str(substitute)}, moved["version"]).json()
    same = patch({"duration_minutes": 60}, covered["version"])  # the same length: no event
    assert same.status_code == 200
    events = api.events("journal.lesson_changed", lesson["id"])
    assert len(events) == 2
    first, second = (LessonChanged.model_validate(e["data"]) for e in events)
    assert events[0]["version"] == 1
    assert events[0]["tenant_id"] == str(org.tenant)
    assert (first.lesson_date.isoformat(), first.starts_at, first.duration_minutes) == (
        "2026-03-03",
        "11:30",
        60,
    )
    assert sorted(first.changed) == ["lesson_date", "starts_at"]
    assert first.previous_lesson_date is not None
    assert first.previous_lesson_date.isoformat() == "2026-03-02"
    assert (first.teacher_id, first.previous_teacher_id) == (teacher, None)
    assert first.version == moved["version"]
    assert second.changed == ["teacher_id"]
    assert (second.teacher_id, second.previous_teacher_id) == (substitute, teacher)
    assert second.lesson_date.isoformat() == "2026-03-03"  # the whole state, not the change
    assert second.version == covered["version"]

    # A refused move publishes nothing.
    other = api.lesson(org, api.group(org, teacher_ids=[str(substitute)]), "2026-03-03", "09:00")
    clash = patch({"starts_at": "09:00"}, same.json()["version"])
    assert clash.status_code == 409
    assert len(api.events("journal.lesson_changed", lesson["id"])) == 2
    assert api.events("journal.lesson_changed", other["id"]) == []


def comment_events(api: Api, comment: dict[str, Any]) -> list[CommentVisible]:
    return [
        CommentVisible.model_validate(e["data"])
        for e in api.events("journal.comment_visible", comment["id"])
    ]


def test_comments_visible_to_the_client_are_published_as_they_change(api: Api, org: Org) -> None:
    group = api.group(org)
    client = uuid.UUID(api.enrol(org, group)["client_id"])
    lesson = api.lesson(org, group, "2026-03-02")
    base = {"target": "cell", "lesson_id": lesson["id"], "client_id": str(client)}

    def patch(comment: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        updated: dict[str, Any] = api.ok(
            "PATCH",
            f"{J}/comments/{comment['id']}",
            org.owner,
            json=body,
            headers={"If-Match": str(comment["version"])},
        )
        return updated

    internal = api.ok("POST", f"{J}/comments", org.owner, 201, json=base | {"body": "Tired"})
    internal = patch(internal, {"resolved": True})
    assert comment_events(api, internal) == []  # staff-only comments never leave the journal

    shown = api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json=base | {"body": "Great singing today", "visible_to_client": True},
    )
    [created] = comment_events(api, shown)
    assert (created.client_id, created.lesson_id, created.target) == (
        client,
        uuid.UUID(lesson["id"]),
        "cell",
    )
    assert (created.body, created.visible_to_client, created.branch_id) == (
        "Great singing today",
        True,
        org.branch,
    )
    shown = patch(shown, {"resolved": True})  # not what the client sees
    assert len(comment_events(api, shown)) == 1
    shown = patch(shown, {"body": "Great singing today!"})
    shown = patch(shown, {"visible_to_client": False})
    shown = patch(shown, {"body": "Hidden edit"})  # hidden: nothing to tell
    made_visible = patch(internal, {"visible_to_client": True})
    events = comment_events(api, shown)
    assert [(e.body, e.visible_to_client) for e in events] == [
        ("Great singing today", True),
        ("Great singing today!", True),
        ("Great singing today!", False),
    ]
    assert [e.version for e in events] == [1, 3, 4]
    [late] = comment_events(api, internal)
    assert (late.body, late.visible_to_client, late.version) == (
        "Tired",
        True,
        made_visible["version"],
    )


def test_a_row_keeps_the_balance_with_the_highest_sequence_whatever_the_times(
    api: Api, org: Org
) -> None:
    """Two of billing's batches overlapped: the one stamped first committed last, so its
    event has the older time but the higher sequence (the newer balance)."""
    client = uuid.uuid4()
    now = datetime.now(UTC)

    def balance(minor: int, sequence: int | None, at: datetime) -> list[str]:
        payload = BalanceChanged(
            client_id=client, balance_minor=minor, currency="PLN", sequence=sequence
        )
        return api.deliver(payload, org.tenant, source="billing", time=at)

    def shown() -> tuple[int, int | None]:
        (row,) = api.sql(
            "SELECT balance_minor, balance_sequence FROM client_cards WHERE client_id = $1",
            client,
        )
        return row["balance_minor"], row["balance_sequence"]

    assert balance(300, 7, now) == ["done"]
    assert balance(500, 8, now - timedelta(milliseconds=2)) == ["done"]  # newer, stamped first
    assert shown() == (500, 8)
    assert balance(300, 7, now + timedelta(seconds=1)) == ["done"]  # older, delivered late
    assert shown() == (500, 8)
    assert balance(200, None, now + timedelta(seconds=5)) == ["done"]  # no sequence: by time
    assert shown() == (200, None)
