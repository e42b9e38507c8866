"""Make-up booking from the portal: credits and the seats that fit them (read models), the
request to the journal with an Idempotency-Key, pending until the journal answers; one credit
is never requested twice, even by requests at the same moment."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from crm_contracts.events import journal as j

from .conftest import Api, Org, P, account


def setup(api: Api, org: Org) -> dict[str, Any]:
    """Jan missed a lesson (excused); Piano 2 (same programme, 2 seats, 1 taken) has lessons."""
    missed, mark = uuid.uuid4(), uuid.uuid4()
    other, full, far = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    lessons = {name: uuid.uuid4() for name in ("fits", "full", "late", "own", "other_prog")}
    api.deliver(
        org,
        j.GroupUpdated(group_id=org.group, branch_id=org.branch, name="Piano 1", programme="piano"),
        j.GroupCreated(
            group_id=other, branch_id=uuid.uuid4(), name="Piano 2", capacity=2, programme="piano"
        ),
        j.GroupCreated(
            group_id=full, branch_id=org.branch, name="Piano 3", capacity=1, programme="piano"
        ),
        j.GroupCreated(group_id=far, branch_id=org.branch, name="Guitar", programme="guitar"),
        *(
            j.EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=g,
                branch_id=org.branch,
                client_id=uuid.uuid4(),
                from_date=date(2026, 1, 1),
            )
            for g in (other, full)
        ),
        *(
            j.LessonScheduled(
                lesson_id=lesson_id,
                group_id=group,
                branch_id=org.branch,
                lesson_date=day,
                starts_at="16:00",
                duration_minutes=45,
            )
            for lesson_id, group, day in (
                (missed, org.group, date(2026, 2, 27)),
                (lessons["fits"], other, date(2026, 3, 4)),
                (lessons["full"], full, date(2026, 3, 5)),
                (lessons["late"], other, date(2026, 4, 20)),
                (lessons["own"], org.group, date(2026, 3, 6)),
                (lessons["other_prog"], far, date(2026, 3, 7)),
            )
        ),
        j.AttendanceMarked(
            mark_id=mark,
            lesson_id=missed,
            group_id=org.group,
            branch_id=org.branch,
            client_id=org.child,
            lesson_date=date(2026, 2, 27),
            status="excused",
            makeup_until=date(2026, 3, 29),
        ),
    )
    return {"mark": mark, **lessons}


SIGNED_IN: dict[uuid.UUID, Any] = {}


def signed_in(org: Org) -> Any:
    """The parent's one session (its subject scopes the Idempotency-Keys)."""
    return SIGNED_IN.setdefault(org.tenant, account(org.tenant, org.parent))


def book(
    api: Api, org: Org, mark: uuid.UUID, lesson: uuid.UUID, key: str | None, who: Any = None
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.call(
        "POST",
        f"{P}/makeups",
        who or signed_in(org),
        params={"client_id": str(org.child)},
        json={"mark_id": str(mark), "lesson_id": str(lesson)},
        headers=headers,
    )


def answer(
    api: Api, org: Org, request: dict[str, Any], outcome: str, reason: str | None = None
) -> None:
    api.deliver(
        org,
        j.MakeupBookingDecided(
            request_id=uuid.UUID(request["request_id"]),
            client_id=org.child,
            absence_mark_id=uuid.UUID(request["absence_mark_id"]),
            lesson_id=uuid.UUID(request["lesson_id"]),
            outcome=outcome,  # type: ignore[arg-type]
            reason=reason,
        ),
    )


def test_seats_that_fit_a_credit(api: Api, org: Org) -> None:
    made = setup(api, org)
    parent = account(org.tenant, org.parent)
    seats = api.get(f"{P}/makeups/{made['mark']}/seats", parent, client_id=org.child)
    assert [(s["lesson_id"], s["free_seats"]) for s in seats["items"]] == [(str(made["fits"]), 1)]
    assert sorted(seats) == ["as_of", "items", "next_cursor"]  # the list shape, whole
    assert seats["next_cursor"] is None
    # Not a credit of this client: 404.
    other = api.call(
        "GET",
        f"{P}/makeups/{made['mark']}/seats",
        parent,
        params={"client_id": str(org.other_child)},
    )
    assert other.status_code == 404


def test_booking_is_pending_until_the_journal_answers(api: Api, org: Org) -> None:
    made = setup(api, org)
    assert book(api, org, made["mark"], made["fits"], None).status_code == 428
    first = book(api, org, made["mark"], made["fits"], "k-1")
    assert first.status_code == 202, first.text
    request = first.json()
    assert request["status"] == "pending"
    replay = book(api, org, made["mark"], made["fits"], "k-1")
    assert replay.json() == request
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert book(api, org, made["mark"], made["late"], "k-1").status_code == 409
    sent = [
        json.loads(r["body"])["data"]
        for r in api.sql("SELECT body FROM outbox WHERE event_type = 'portal.makeup_requested'")
    ]
    assert [s["request_id"] for s in sent].count(request["request_id"]) == 1
    parent = account(org.tenant, org.parent)
    answer(api, org, request, "booked")
    listed = api.get(f"{P}/makeups", parent, client_id=org.child)
    assert [(r["request_id"], r["status"]) for r in listed["requests"]] == [
        (request["request_id"], "booked")
    ]
    # Cancelling: pending again until the journal frees the seat; then the credit is free.
    cancel = api.call(
        "POST",
        f"{P}/makeups/{request['request_id']}/cancel",
        parent,
        params={"client_id": str(org.child)},
    )
    assert cancel.json()["status"] == "cancelling"
    answer(api, org, request, "cancelled")
    again = book(api, org, made["mark"], made["fits"], "k-2")
    assert again.status_code == 202, again.text
    answer(api, org, again.json(), "refused", "the lesson is full (2 seats)")
    listed = api.get(f"{P}/makeups", parent, client_id=org.child)
    newest = listed["requests"][0]
    assert (newest["status"], newest["reason"]) == (
        "refused",
        "the lesson is full (2 seats)",
    )


def test_one_credit_is_never_requested_twice_at_once(api: Api, org: Org) -> None:
    made = setup(api, org)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(
            pool.map(
                lambda n: book(api, org, made["mark"], made["fits"], f"race-{n}").status_code,
                range(4),
            )
        )
    assert statuses == [202, 409, 409, 409]


def test_a_personal_link_cannot_book(api: Api, org: Org) -> None:
    made = setup(api, org)
    from .conftest import link

    response = book(api, org, made["mark"], made["fits"], "k", who=link(org.tenant, org.child))
    assert response.status_code == 404
