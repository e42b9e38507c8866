"""Pure rules, without a database: phones, search text, ages, custom values, freezes,
spreadsheet rows, history ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from clients_svc.domain.cards import age_on, custom_value_problem, freeze_problem
from clients_svc.domain.history import uuid7_at
from clients_svc.domain.importing import CustomDef, check_rows, parse_date, read_table
from clients_svc.domain.phones import InvalidPhoneError, normalise_phone, phone_query
from clients_svc.domain.text import search_text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("601 234 567", "+48601234567"),
        ("+48 (601) 234-567", "+48601234567"),
        ("0048601234567", "+48601234567"),
        ("+7 916 123-45-67", "+79161234567"),
    ],
)
def test_phones_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalise_phone(typed, "PL") == stored


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12", "wrong number of digits"),
        ("phone me", "not a phone number"),
        ("+48 111 111 111", "not a valid phone number"),
        ("", "not a phone number"),
    ],
)
def test_bad_phones_say_why(typed: str, why: str) -> None:
    with pytest.raises(InvalidPhoneError, match=why):
        normalise_phone(typed, "PL")


def test_a_russian_national_number_reads_as_russian_with_region_ru() -> None:
    assert normalise_phone("8 (916) 123-45-67", "RU") == "+79161234567"


def test_phone_queries_find_digits_in_any_format() -> None:
    assert phone_query("601-234-567", "PL") == "48601234567"
    assert phone_query("234 56", "PL") == "23456"
    assert phone_query("0 601 23", "PL") == "60123"
    assert phone_query("Anna", "PL") is None
    assert phone_query("12", "PL") is None


def test_search_text_folds_case_in_any_script() -> None:
    assert search_text("Ольга", "ŚMIAŁA", "O@X.PL") == "ольга śmiała o@x.pl"


def test_age_counts_whole_years() -> None:
    assert age_on(date(2015, 6, 1), date(2025, 5, 31)) == 9
    assert age_on(date(2015, 6, 1), date(2025, 6, 1)) == 10
    assert age_on(None, date(2025, 6, 1)) is None


def test_custom_values_fit_their_kind() -> None:
    assert custom_value_problem("number", [], 3.5) is None
    assert custom_value_problem("number", [], True) == "must be a number"
    assert custom_value_problem("bool", [], "yes") == "must be true or false"
    assert custom_value_problem("date", [], "2025-02-30") is not None
    assert custom_value_problem("choice", ["A1"], "B2") == "must be one of: A1"


def test_a_freeze_ends_after_it_starts_and_lasts_at_most_a_year() -> None:
    start = date(2026, 1, 1)
    assert freeze_problem(start, start) is None
    assert freeze_problem(start, start - timedelta(days=1)) is not None
    assert freeze_problem(start, start + timedelta(days=400)) is not None


def test_rows_are_checked_with_their_spreadsheet_numbers() -> None:
    table = read_table(b"Name;Surname;Phone;Score\nA;B;601234567;x\n;C;;1\n", "csv")
    good, problems = check_rows(
        table[1:],
        table[0],
        {"first_name": "Name", "last_name": "Surname", "phone": "Phone", "custom.score": "Score"},
        region="PL",
        today=date(2026, 1, 1),
        custom={"score": CustomDef("number", [])},
    )
    assert good == []
    assert [(p.row, p.field) for p in problems] == [(2, "custom.score"), (3, "first_name")]


def test_csv_in_the_windows_code_page_is_read() -> None:
    rows = [["Имя", "Фамилия"], ["Ирина", "Смирнова"]]
    table = read_table("\n".join(",".join(r) for r in rows).encode("cp1251"), "csv")
    assert table == rows


def test_dates_in_local_formats() -> None:
    assert parse_date("01.06.2015") == date(2015, 6, 1)
    assert parse_date("2015-06-01") == date(2015, 6, 1)
    assert parse_date("31.02.2015") is None


def test_history_ids_sort_by_when_things_happened() -> None:
    now = datetime.now(UTC)
    ids = [uuid7_at(now - timedelta(days=d)) for d in (3, 2, 1)]
    assert ids == sorted(ids)
    assert ids[0].version == 7
