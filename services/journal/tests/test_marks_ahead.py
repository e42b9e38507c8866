"""What happened at a lesson is marked once it has started: attended, absent and make-up
attended are refused before (422 naming why), planned and excused may be set ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from journal_svc.domain.marks import lesson_start, too_early

from .conftest import Api, J, Org
from .test_marks import excused

DAY = date(2026, 3, 20)  # the organisation is on UTC until identity says otherwise


def test_the_rule_starts_at_the_lessons_first_minute() -> None:
    starts = lesson_start(DAY, 18 * 60 + 30, UTC)
    assert starts == datetime(2026, 3, 20, 18, 30, tzinfo=UTC)
    for status in ("attended", "absent", "makeup_attended"):
        assert too_early(status, starts, starts - timedelta(seconds=1))
        assert not too_early(status, starts, starts)
    for status in ("planned", "excused"):
        assert not too_early(status, starts, starts - timedelta(days=30))


def test_marks_before_the_lesson_starts_are_refused_but_planned_and_excused(
    api: Api, org: Org
) -> None:
    api.today(DAY)  # noon: the lesson starts at six
    group = api.group(org)
    lesson = api.lesson(org, group, DAY.isoformat(), "18:00")
    client = api.enrol(org, group)["client_id"]
    for status in ("attended", "absent"):
        refused = api.mark(org.owner, lesson, client, status)
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"] == "status"
        assert error["message"].startswith(
            "the lesson has not started yet (it starts 2026-03-20 18:00)"
        )
    bulk = api.call(
        "POST", f"{J}/lessons/{lesson['id']}/marks", org.owner, json={"status": "attended"}
    )
    assert bulk.status_code in (409, 422)
    assert "has not started" in bulk.text
    assert api.mark(org.owner, lesson, client, "planned").status_code == 200
    assert api.mark(org.owner, lesson, client, "excused").status_code == 200
    marks = api.ok("GET", f"{J}/lessons/{lesson['id']}/marks", org.owner)["items"]
    assert [m["status"] for m in marks] == ["excused"]
    api.client.app.state.clock = lambda: datetime(2026, 3, 20, 18, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert api.mark(org.owner, lesson, client, "attended").status_code == 200


def test_a_make_up_is_booked_ahead_and_marked_attended_once_the_lesson_began(
    api: Api, org: Org
) -> None:
    api.today(date(2026, 3, 3))
    own, client, absence = excused(api, org)
    later = api.lesson(org, own, "2026-03-07", "09:00")
    early = api.mark(org.owner, later, client, "makeup_attended", makeup_of=absence["id"])
    assert early.status_code == 422
    assert "makeup attended can be marked once it has" in early.json()["detail"]
    booked = api.mark(org.owner, later, client, "planned", makeup_of=absence["id"])
    assert booked.status_code == 200, booked.text
    api.today(date(2026, 3, 7))
    done = api.mark(org.owner, later, client, "makeup_attended", makeup_of=absence["id"])
    assert done.status_code == 200, done.text
