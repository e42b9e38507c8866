# ruff: noqa: RUF001 - Russian texts hold Cyrillic letters that look Latin
"""The schedule form's rows as the API takes them, and the journal's clash refusals told in
the page's words (en and ru), field by field."""

from __future__ import annotations

from starlette.datastructures import FormData

from web_svc.gateway import ApiError
from web_svc.i18n import Formats, Translator
from web_svc.pages.ops import clash_lines, refused, weekday_names
from web_svc.pages.schedule import slots_of


def test_schedule_rows_without_a_day_are_left_out_and_numbers_go_as_numbers() -> None:
    form = FormData(
        [
            ("weekday", "1"),
            ("starts_at", "17:00"),
            ("duration_minutes", "45"),
            ("room_id", "r1"),
            ("teacher_id", ""),
            ("weekday", ""),
            ("starts_at", ""),
            ("duration_minutes", "60"),
            ("room_id", ""),
            ("teacher_id", ""),
            ("weekday", "4"),
            ("starts_at", "18:30"),
            ("duration_minutes", "sixty"),
            ("room_id", ""),
            ("teacher_id", "t1"),
        ]
    )
    assert slots_of(form) == [
        {"weekday": 1, "starts_at": "17:00", "duration_minutes": 45, "room_id": "r1"},
        # typed words go on as typed, for the API to name the field
        {"weekday": 4, "starts_at": "18:30", "duration_minutes": "sixty", "teacher_id": "t1"},
    ]


def clash(detail: str, *messages: str) -> ApiError:
    errors = [{"field": f"schedule.{i}", "message": m} for i, m in enumerate(messages)]
    return ApiError(409, {"title": "Conflict", "detail": detail, "errors": errors})


def test_weekly_and_dated_clashes_are_told_in_the_pages_language() -> None:
    weekly = clash(
        "the schedule clashes with another lesson",
        "the room is taken on Mondays at 17:30",
        "the teacher is taken on Sundays at 09:00",
    )
    dated = ApiError(
        409,
        {
            "detail": "2 clash(es) with other lessons; nothing was added",
            "errors": [{"field": "lesson", "message": "the room is taken at 2027-01-04 17:00"}],
        },
    )
    en, ru = Translator("en"), Translator("ru")
    fmt_en, fmt_ru = Formats("en"), Formats("ru")
    assert clash_lines(weekly, en.gettext, fmt_en, weekday_names("en")) == [
        "Monday at 5:30\u202fPM: the room is already taken by another group.",
        "Sunday at 9:00\u202fAM: the teacher already teaches another group.",
    ]
    assert clash_lines(weekly, ru.gettext, fmt_ru, weekday_names("ru")) == [
        "Понедельник в 17:30: кабинет уже занят другой группой.",
        "Воскресенье в 09:00: преподаватель уже ведёт другую группу.",
    ]
    assert clash_lines(dated, ru.gettext, fmt_ru, weekday_names("ru")) == [
        "4 янв. 2027\u202fг. в 17:00: кабинет уже занят другим занятием."
    ]
    assert refused(weekly, ru.gettext) == "Не сохранено: это время занято."
    assert refused(dated, en.gettext) == "Not saved: the time is taken."


def test_other_refusals_keep_the_apis_words() -> None:
    other = ApiError(
        422,
        {
            "detail": "invalid",
            "errors": [{"field": "schedule.0.room_id", "message": "no such room"}],
        },
    )
    assert clash_lines(other, Translator("en").gettext, Formats("en"), weekday_names("en")) == [
        "no such room"
    ]
    assert refused(other, Translator("en").gettext) == "Not saved"
