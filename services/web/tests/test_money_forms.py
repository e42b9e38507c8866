"""What the money and import forms send to the API: the import's guessed column mapping and
the bodies of a pack's life actions."""

from __future__ import annotations

import pytest

from web_svc.i18n import Formats
from web_svc.pages.imports import guess
from web_svc.pages.packs import _body

FMT = Formats(locale="pl", time_zone="Europe/Warsaw", currency="PLN")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            ["First name", "Last name", "Phone", "E-mail"],
            {
                "first_name": "First name",
                "last_name": "Last name",
                "phone": "Phone",
                "email": "E-mail",
            },
        ),
        (
            ["Имя", "Фамилия", "Телефон", "Дата рождения", "Размер"],
            {
                "first_name": "Имя",
                "last_name": "Фамилия",
                "phone": "Телефон",
                "birthday": "Дата рождения",
            },
        ),
        (
            ["Imię", "Nazwisko", "Tagi"],
            {"first_name": "Imię", "last_name": "Nazwisko", "tags": "Tagi"},
        ),
        (["first_name", "LAST_NAME"], {"first_name": "first_name", "last_name": "LAST_NAME"}),
    ],
)
def test_the_mapping_is_guessed_from_the_headers(
    columns: list[str], expected: dict[str, str]
) -> None:
    assert guess(columns) == expected


def test_one_column_fills_one_field_only() -> None:
    assert guess(["Name", "Surname"]) == {"first_name": "Name", "last_name": "Surname"}
    assert guess(["name"]) == {"first_name": "name"}


def test_pack_actions_send_what_the_api_takes() -> None:
    assert _body("extend", {"payment_mode": "paid", "method": "card"}, FMT) == {
        "payment_mode": "paid",
        "method": "card",
    }
    assert _body("extend", {"payment_mode": "credit", "method": "card"}, FMT) == {
        "payment_mode": "credit"
    }
    assert _body("bonus", {"classes": "2", "comment": " keep "}, FMT) == {
        "classes": 2,
        "comment": "keep",
    }
    assert _body("bonus", {"classes": "two"}, FMT) == {"classes": "two"}  # the API names it
    assert _body("refund", {"amount": "100,50", "pay_out_method": "cash"}, FMT) == {
        "amount_minor": 10050,
        "pay_out_method": "cash",
    }
    assert _body("refund", {"amount": "", "pay_out_method": ""}, FMT) == {}
    assert _body("unfreeze", {}, FMT) == {}
    with pytest.raises(ArithmeticError):
        _body("refund", {"amount": "lots"}, FMT)
