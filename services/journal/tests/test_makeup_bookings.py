"""Make-ups booked from the client portal: a planned make-up held ahead in another group's
lesson, marked attended later, or cancelled (seat and make-up free again). One make-up and the
last seat are never booked twice, even by commands handled at the same moment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.portal import MakeupCancelRequested, MakeupRequested
from crm_contracts.registry import EventPayload

from .conftest import Api, J, Org

TODAY = date.today()  # the consumer's clock is the system's


def command(payload: EventPayload, org: Org) -> EventEnvelope:
    return EventEnvelope(
        type=payload.event_type,
        source="portal",
        tenant_id=org.tenant,
        subject=str(uuid.uuid4()),
        data=payload.model_dump(mode="json"),
    )


def at_once(api: Api, *envelopes: EventEnvelope) -> None:
    """Each command in a transaction of its own, all running at the same time."""
    inbox = api.client.app.state.components[0].inbox  # type: ignore[attr-defined]

    async def run() -> None:
        await asyncio.gather(*(inbox.handle_batch([e]) for e in envelopes))

    api.client.portal.call(run)  # type: ignore[union-attr]


def decisions(api: Api, requests: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    found = {
        uuid.UUID(e["data"]["request_id"]): e["data"]
        for e in api.events("journal.makeup_booking_decided")
    }
    return {r: found[r] for r in requests if r in found}


def excused(api: Api, org: Org, group: dict[str, Any], client: uuid.UUID) -> str:
    """An excused absence of the client two days ago; returns its mark id."""
    api.enrol(org, group, client, since=(TODAY - timedelta(days=30)).isoformat())
    missed = api.lesson(org, group, (TODAY - timedelta(days=2)).isoformat())
    mark = api.mark(org.owner, missed, client, "excused")
    assert mark.status_code == 200, mark.text
    return str(mark.json()["id"])


def request(client: uuid.UUID, absence: str, lesson: dict[str, Any]) -> MakeupRequested:
    return MakeupRequested(
        request_id=uuid.uuid4(),
        client_id=client,
        absence_mark_id=uuid.UUID(absence),
        lesson_id=uuid.UUID(lesson["id"]),
    )


def test_a_booked_makeup_holds_the_seat_is_marked_then_or_cancelled(api: Api, org: Org) -> None:
    home, other = api.group(org), api.group(org, capacity=2)
    api.enrol(org, other, uuid.uuid4(), since=(TODAY - timedelta(days=30)).isoformat())
    target = api.lesson(org, other, (TODAY + timedelta(days=3)).isoformat())
    client = uuid.uuid4()
    absence = excused(api, org, home, client)
    booking = request(client, absence, target)
    api.deliver(booking, org.tenant, source="portal")
    answer = decisions(api, [booking.request_id])[booking.request_id]
    assert answer["outcome"] == "booked"
    marks = api.ok("GET", f"{J}/lessons/{target['id']}/marks", org.owner)
    planned = [m for m in marks["items"] if m["client_id"] == str(client)]
    assert [(m["status"], m["makeup_of"]) for m in planned] == [("planned", absence)]
    # The lesson is now full (one enrolled, one make-up): another make-up is refused.
    second = uuid.uuid4()
    late = request(second, excused(api, org, home, second), target)
    api.deliver(late, org.tenant, source="portal")
    refused = decisions(api, [late.request_id])[late.request_id]
    assert refused["outcome"] == "refused"
    assert "full" in refused["reason"]
    # Cancelling frees the seat and the make-up: the other client gets it now.
    cancel = MakeupCancelRequested(
        request_id=booking.request_id,
        client_id=client,
        absence_mark_id=uuid.UUID(absence),
        lesson_id=uuid.UUID(target["id"]),
    )
    api.deliver(cancel, org.tenant, source="portal")
    again = request(second, late.absence_mark_id.hex, target)
    api.deliver(again, org.tenant, source="portal")
    assert decisions(api, [again.request_id])[again.request_id]["outcome"] == "booked"
    open_makeups = api.ok("GET", f"{J}/makeups", org.owner, params={"client_id": str(client)})
    assert [m["mark_id"] for m in open_makeups["items"]] == [absence]
    # Marked when the lesson happens (not before): the planned make-up becomes an attended one.
    early = api.mark(
        org.owner, target, second, "makeup_attended", makeup_of=again.absence_mark_id.hex
    )
    assert early.status_code == 422
    system_clock = api.client.app.state.clock  # type: ignore[attr-defined]
    api.today(TODAY + timedelta(days=4))
    try:
        marked = api.mark(
            org.owner, target, second, "makeup_attended", makeup_of=again.absence_mark_id.hex
        )
    finally:
        api.client.app.state.clock = system_clock  # type: ignore[attr-defined]
    assert marked.status_code == 200, marked.text


def test_the_last_seat_and_one_makeup_are_never_booked_twice(api: Api, org: Org) -> None:
    home, full = api.group(org), api.group(org, capacity=1)
    lessons = [api.lesson(org, full, (TODAY + timedelta(days=d)).isoformat()) for d in (4, 5)]
    clients = [uuid.uuid4() for _ in range(4)]
    absences = [excused(api, org, home, c) for c in clients]
    # Four clients for the last seat of one lesson, at the same moment.
    race = [request(c, a, lessons[0]) for c, a in zip(clients, absences, strict=True)]
    at_once(api, *(command(r, org) for r in race))
    outcomes = sorted(d["outcome"] for d in decisions(api, [r.request_id for r in race]).values())
    assert outcomes == ["booked", "refused", "refused", "refused"]
    # One make-up into two lessons at the same moment: one of them only.
    client, absence = uuid.uuid4(), None
    absence = excused(api, org, home, client)
    other = api.group(org)
    both = [
        request(client, absence, lessons[1]),
        request(client, absence, api.lesson(org, other, (TODAY + timedelta(days=6)).isoformat())),
    ]
    at_once(api, *(command(r, org) for r in both))
    outcomes = sorted(d["outcome"] for d in decisions(api, [r.request_id for r in both]).values())
    assert outcomes == ["booked", "refused"]


def test_a_lesson_of_another_organisation_or_in_the_past_is_refused(api: Api, org: Org) -> None:
    home = api.group(org)
    client = uuid.uuid4()
    absence = excused(api, org, home, client)
    stranger = Org()
    theirs = api.lesson(stranger, api.group(stranger), (TODAY + timedelta(days=3)).isoformat())
    past = api.lesson(org, api.group(org), (TODAY - timedelta(days=1)).isoformat())
    tries = [request(client, absence, theirs), request(client, absence, past)]
    for r in tries:
        api.deliver(r, org.tenant, source="portal")
    reasons = [d["reason"] for d in decisions(api, [r.request_id for r in tries]).values()]
    assert reasons == ["no such lesson", "the lesson is over"]
