"""The journal's pure rules, without a database: schedules, clashes, make-ups, pay, figures."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from journal_svc.domain.figures import Month, age_on, attendance_rate, fill_rate, free_seats, months
from journal_svc.domain.makeups import (
    Absence,
    MakeupRefusedError,
    check_makeup,
    is_offered,
    makeup_until,
    window_for_seats,
)
from journal_svc.domain.marks import counter_change
from journal_svc.domain.pay import HeldLesson, Rate, RateRefusedError, check_new_rate, pay, rate_on
from journal_svc.domain.timetable import (
    Slot,
    Timed,
    clashes,
    format_time,
    generate,
    parse_time,
    slot_clashes,
)

ROOM, OTHER_ROOM = uuid.uuid4(), uuid.uuid4()
ANNA, BORIS = uuid.uuid4(), uuid.uuid4()


# schedules and lessons
def test_times_of_day_round_trip_and_bad_ones_are_refused() -> None:
    assert parse_time("17:30") == 1050
    assert format_time(1050) == "17:30"
    for bad in ("24:00", "7:5", "12:60", "noon"):
        with pytest.raises(ValueError, match="time of day"):
            parse_time(bad)


def test_a_weekly_schedule_gives_the_lessons_of_a_period_within_the_group_span() -> None:
    slots = [Slot(1, 17 * 60, 18 * 60, ROOM, ANNA), Slot(3, 10 * 60, 11 * 60, ROOM, ANNA)]
    # March 2026: Mondays 2, 9, 16, 23, 30 and Wednesdays 4, 11, 18, 25; the group ends on 20th.
    lessons = generate(
        slots, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 3), date(2026, 3, 20)
    )
    assert [(t.day.day, t.start_minute) for t in lessons] == [
        (4, 600),
        (9, 1020),
        (11, 600),
        (16, 1020),
        (18, 600),
    ]
    assert generate(slots, date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1), None) == []
    with pytest.raises(ValueError, match="at most"):
        generate(slots, date(2026, 1, 1), date(2027, 6, 1), date(2026, 1, 1), None)


def test_lessons_clash_on_a_shared_room_or_teacher_at_overlapping_times_only() -> None:
    day = date(2026, 3, 2)
    existing = [Timed(day, 600, 660, ROOM, ANNA, ref=uuid.uuid4())]
    assert clashes([Timed(day, 660, 720, ROOM, ANNA)], existing) == []  # back to back
    assert clashes([Timed(day, 630, 690, OTHER_ROOM, BORIS)], existing) == []
    assert clashes([Timed(date(2026, 3, 3), 600, 660, ROOM, ANNA)], existing) == []
    [room] = clashes([Timed(day, 630, 690, ROOM, BORIS)], existing)
    assert (room.resource, room.reason()) == ("room", "the room is taken at 2026-03-02 10:30")
    [teacher] = clashes([Timed(day, 550, 610, OTHER_ROOM, ANNA)], existing)
    assert teacher.resource == "teacher"
    # New lessons clash with each other too, and a lesson never clashes with itself.
    assert (
        len(clashes([Timed(day, 800, 860, ROOM, None), Timed(day, 830, 900, ROOM, None)], [])) == 1
    )
    same = existing[0]
    assert clashes([same], existing) == []


def test_weekly_slots_clash_only_on_the_same_weekday_within_overlapping_spans() -> None:
    mine = [Slot(2, 1080, 1140, ROOM, ANNA)]
    theirs = [(Slot(2, 1110, 1170, ROOM, BORIS), date(2026, 1, 1), date(2026, 3, 31))]
    assert slot_clashes(mine, (date(2026, 4, 1), None), theirs) == []
    assert slot_clashes(mine, (date(2026, 3, 1), None), theirs) == [("room", mine[0])]
    assert slot_clashes([Slot(3, 1080, 1140, ROOM, ANNA)], (date(2026, 1, 1), None), theirs) == []
    own = [Slot(2, 600, 660, None, ANNA), Slot(2, 630, 690, None, ANNA)]
    assert slot_clashes(own, (date(2026, 1, 1), None), []) == [("teacher", own[1])]


# make-ups
def test_an_excused_absence_grants_a_make_up_within_the_window() -> None:
    absence = Absence(date(2026, 3, 2), makeup_until(date(2026, 3, 2), 14))
    assert absence.until == date(2026, 3, 16)
    check_makeup(absence, date(2026, 3, 16))
    with pytest.raises(MakeupRefusedError, match="ended on 2026-03-16"):
        check_makeup(absence, date(2026, 3, 17))
    with pytest.raises(MakeupRefusedError, match="after the absence"):
        check_makeup(absence, date(2026, 3, 2))
    with pytest.raises(MakeupRefusedError, match="already been used"):
        check_makeup(Absence(absence.day, absence.until, used=True), date(2026, 3, 5))


def test_expired_or_used_make_ups_are_no_longer_offered() -> None:
    absence = Absence(date(2026, 3, 2), date(2026, 3, 16))
    assert is_offered(absence, date(2026, 3, 16))
    assert not is_offered(absence, date(2026, 3, 17))
    assert not is_offered(Absence(absence.day, absence.until, used=True), date(2026, 3, 5))
    assert window_for_seats(absence, date(2026, 3, 1)) == (date(2026, 3, 3), date(2026, 3, 16))
    assert window_for_seats(absence, date(2026, 3, 10)) == (date(2026, 3, 10), date(2026, 3, 16))
    assert window_for_seats(absence, date(2026, 3, 17)) is None


def test_mark_changes_move_the_lesson_counters() -> None:
    assert counter_change(None, "attended") == (1, 1)
    assert counter_change("attended", "excused") == (-1, 0)
    assert counter_change("planned", "makeup_attended") == (1, 1)
    assert counter_change("absent", None) == (0, -1)
    assert counter_change(None, "planned") == (0, 0)


# pay
def test_pay_uses_the_rate_in_force_on_each_lesson_day() -> None:
    rates = [Rate(date(2026, 3, 1), 5000, 500), Rate(date(2026, 1, 1), 4000, 0)]
    assert rate_on(rates, date(2025, 12, 31)) is None
    assert rate_on(rates, date(2026, 2, 28)) == rates[1]
    assert rate_on(rates, date(2026, 3, 1)) == rates[0]
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    result = pay(
        [
            HeldLesson(a, date(2026, 2, 27), 60, 6),
            HeldLesson(b, date(2026, 3, 2), 90, 6),
            HeldLesson(c, date(2025, 12, 1), 60, 3),
        ],
        rates,
    )
    assert [line.amount_minor for line in result.lines] == [0, 4000, 5000 + 6 * 500]
    assert (result.lessons, result.minutes, result.attendees, result.amount_minor) == (
        3,
        210,
        15,
        12000,
    )


def test_a_new_rate_never_starts_in_the_past() -> None:
    existing = [Rate(date(2026, 1, 1), 4000, 0)]
    check_new_rate(existing, Rate(date(2026, 3, 10), 5000, 100), today=date(2026, 3, 10))
    with pytest.raises(RateRefusedError, match="past"):
        check_new_rate(existing, Rate(date(2026, 3, 9), 5000, 100), today=date(2026, 3, 10))
    with pytest.raises(RateRefusedError, match="already starts"):
        check_new_rate(existing, Rate(date(2026, 1, 1), 1, 1), today=date(2025, 12, 1))


# figures
def test_fill_rate_free_seats_ages_and_months() -> None:
    assert fill_rate(9, 12) == 0.75
    assert fill_rate(13, 12) == pytest.approx(1.0833, abs=1e-4)
    assert fill_rate(5, None) is None
    assert free_seats(12, 9) == 3
    assert free_seats(12, 14) == 0
    assert free_seats(None, 40) is None
    assert age_on(date(2019, 3, 10), date(2026, 3, 9)) == 6
    assert age_on(date(2019, 3, 10), date(2026, 3, 10)) == 7
    assert attendance_rate(3, 4) == 0.75
    assert attendance_rate(0, 0) is None
    assert [str(m) for m in months(Month.parse("2025-11"), Month.parse("2026-02"))] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert Month.parse("2024-02").last == date(2024, 2, 29)
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("2026-13")
