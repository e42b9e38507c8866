# ruff: noqa: RUF001 - the catalogues' Cyrillic words
"""A service's refusal in the page's words: the status's sentence, the fields by their labels
and the standard reasons translated; the service's own text escaped, marked English on a
page in another language, and an English page as plain as before."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup, escape

from web_svc.gateway import ApiError
from web_svc.i18n import Translator
from web_svc.refusals import account, import_problem, not_saved
from web_svc.render import refusal


def invalid(*errors: dict[str, Any]) -> ApiError:
    return ApiError(422, {"title": "Unprocessable Content", "errors": list(errors)})


def pydantic(field: str, kind: str, message: str) -> dict[str, Any]:
    return {"field": field, "in": "body", "message": message, "type": kind}


BAD_FORM = invalid(
    pydantic("amount", "int_parsing", "Input should be a valid integer"),
    pydantic("lesson_date", "date_from_datetime_parsing", "Input should be a valid date"),
    pydantic("first_name", "missing", "Field required"),
)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "ru",
            "Проверьте форму. Сумма: должно быть целым числом; Дата занятия: должно быть "
            "датой; Имя: обязательное поле.",
        ),
        (
            "pl",
            "Sprawdź formularz. Kwota: musi być liczbą całkowitą; Data zajęć: musi być datą; "
            "Imię: pole wymagane.",
        ),
        (
            "uk",
            "Перевірте форму. Сума: має бути цілим числом; Дата заняття: має бути датою; "
            "Ім'я: обов'язкове поле.",
        ),
        (
            "en",
            "Please check the form. Amount: must be a whole number; Lesson date: must be a "
            "date; First name: required.",
        ),
    ],
)
def test_the_lead_the_field_labels_and_the_reasons_are_translated(
    locale: str, expected: str
) -> None:
    said = account(BAD_FORM, Translator(locale))
    assert isinstance(said, Markup)
    assert said == escape(expected)


@pytest.mark.parametrize(
    ("locale", "error", "expected"),
    [
        (
            "pl",
            pydantic("name", "string_too_long", "String should have at most 100 characters"),
            "Nazwa: za długie: najwyżej 100 znaków",
        ),
        (
            "ru",
            pydantic("capacity", "greater_than", "Input should be greater than 0"),
            "Мест: должно быть больше 0",
        ),
        (
            "uk",
            pydantic("status", "literal_error", "Input should be 'active' or 'archived'"),
            "Статус: немає серед допустимих значень",
        ),
        (
            "ru",
            pydantic("group_id", "uuid_parsing", "Input should be a valid UUID"),
            "Группа: выберите из списка",
        ),
        (
            "ru",
            pydantic("schedule.0.starts_at", "time_parsing", "Input should be in a valid time"),
            "Время: должно быть временем",
        ),
        (
            "uk",
            pydantic("name", "string_too_long", "String should have at most 2 characters"),
            "Назва: задовго: не більше 2 символів",
        ),
    ],
)
def test_standard_reasons_with_their_limits(
    locale: str, error: dict[str, Any], expected: str
) -> None:
    assert expected in account(invalid(error), Translator(locale))


def test_a_domain_rules_own_words_are_escaped_and_marked_english() -> None:
    exc = invalid({"field": "due_on", "in": "body", "message": "before the <b>sale</b>"})
    said = account(exc, Translator("ru"))
    assert said == Markup(
        'Проверьте форму. Срок оплаты: <span lang="en">before the &lt;b&gt;sale&lt;/b&gt;</span>.'
    )
    english = account(exc, Translator("en"))
    assert english == Markup("Please check the form. Due date: before the &lt;b&gt;sale&lt;/b&gt;.")
    assert "lang=" not in english


def test_a_field_the_pages_do_not_label_is_named_as_the_api_names_it() -> None:
    exc = invalid(pydantic("custom.shoe_size", "int_parsing", "Input should be a valid integer"))
    assert "Кастом" not in account(exc, Translator("ru"))
    assert '<span lang="en">custom.shoe_size</span>: должно быть целым числом' in account(
        exc, Translator("ru")
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (403, "Вам это не разрешено."),
        (404, "Не найдено: возможно, этого уже нет."),
        (412, "Кто-то другой тем временем это изменил. Обновите страницу и попробуйте снова."),
        (429, "Слишком много попыток. Подождите немного и попробуйте снова."),
        (418, "Система отказала."),
    ],
)
def test_each_status_has_its_sentence(status: int, expected: str) -> None:
    assert account(ApiError(status, {"title": "x"}), Translator("ru")) == expected


def test_a_state_refusal_keeps_the_services_detail_after_the_sentence() -> None:
    exc = ApiError(409, {"title": "Conflict", "detail": "the pack is frozen"})
    assert account(exc, Translator("pl")) == Markup(
        'W obecnym stanie nie można tego zrobić. <span lang="en">the pack is frozen</span>'
    )
    assert account(exc, Translator("en")) == (
        "This cannot be done in its current state. the pack is frozen"
    )


def test_a_failing_service_says_only_to_try_again() -> None:
    exc = ApiError(500, {"title": "Internal Server Error", "detail": "Traceback <secret>"})
    said = account(exc, Translator("uk"))
    assert said == "Частина системи не відповідає. Спробуйте за хвилину."
    assert "secret" not in not_saved(exc, Translator("uk"))


def test_more_fields_than_shown_are_counted_in_the_languages_plural() -> None:
    fields = ("first_name", "last_name", "phone", "email", "birthday")
    exc = invalid(*(pydantic(f, "missing", "Field required") for f in fields))
    assert account(exc, Translator("ru")).endswith("обязательное поле; и ещё 2 проблемы.")
    six = invalid(*(pydantic(f, "missing", "Field required") for f in (*fields, "note", "tags")))
    assert account(six, Translator("pl")).endswith("i jeszcze 4 problemy.")
    assert account(exc, Translator("en")).endswith("; and 2 more problems.")


def test_not_saved_and_the_pages_refusal_helper() -> None:
    ru = Translator("ru")
    assert not_saved(BAD_FORM, ru).startswith("Не сохранено. Проверьте форму. Сумма:")
    assert refusal(BAD_FORM, ru) == account(BAD_FORM, ru)
    # a bare gettext (no translator behind it) still gets a whole account, in English
    assert refusal(BAD_FORM, lambda text: text).startswith("Please check the form. Amount:")


def test_a_refusal_the_web_made_in_the_pages_words_is_not_marked_english() -> None:
    made = ApiError(409, {"detail": escape("У этого клиента нет отработки.")})
    said = account(made, Translator("ru"))
    assert said.endswith(" У этого клиента нет отработки.")
    assert "lang=" not in said


@pytest.mark.parametrize(
    ("locale", "message", "expected"),
    [
        (
            "ru",
            "not a date (use YYYY-MM-DD or DD.MM.YYYY)",
            "не дата (используйте ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
        ),
        ("pl", "longer than 100 characters", "za długie: najwyżej 100 znaków"),
        (
            "uk",
            "must be a date (YYYY-MM-DD or DD.MM.YYYY)",
            "не дата (використовуйте РРРР-ММ-ДД або ДД.ММ.РРРР)",
        ),
        (
            "ru",
            "not a valid email address: The part after the @-sign is not valid.",
            'неверный адрес электронной почты: <span lang="en">The part after the @-sign is '
            "not valid.</span>",
        ),
        ("ru", "a <new> rule", '<span lang="en">a &lt;new&gt; rule</span>'),
        (
            "en",
            "not a date (use YYYY-MM-DD or DD.MM.YYYY)",
            "not a date (use YYYY-MM-DD or DD.MM.YYYY)",
        ),
    ],
)
def test_the_imports_row_problems_in_the_pages_words(
    locale: str, message: str, expected: str
) -> None:
    assert import_problem(message, Translator(locale)) == Markup(expected)
