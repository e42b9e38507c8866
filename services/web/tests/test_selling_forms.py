"""What the catalogue's and the sell form's fields send to billing: only what applies to the
service and the payment chosen, and only what an edit changed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from web_svc.i18n import Formats
from web_svc.pages.catalogue import new_service_body
from web_svc.pages.catalogue_edit import changes, price_text
from web_svc.pages.selling import sale_body
from web_svc.render import Pages

FMT = Formats(locale="pl", time_zone="Europe/Warsaw", currency="PLN")
SERVICE: dict[str, Any] = {
    "id": "s1",
    "kind": "pack",
    "name": "Dance",
    "description": None,
    "price_minor": 30000,
    "currency": "PLN",
    "freestyle": True,
    "overlapping": True,
    "shared": True,
    "leftover": "burn",
    "branch_ids": ["b1"],
    "group_ids": [],
}


def test_a_paid_sale_sends_its_method_and_date_and_no_due_date() -> None:
    typed = {"payment_mode": "paid", "method": "card", "paid_on": "2026-12-01", "due_on": "x"}
    assert sale_body(typed, SERVICE | {"freestyle": False, "shared": False}, "c1", FMT) == {
        "service_id": "s1",
        "payment_mode": "paid",
        "method": "card",
        "paid_on": "2026-12-01",
    }


def test_a_sale_on_credit_sends_its_due_date_and_no_method() -> None:
    typed = {"payment_mode": "credit", "method": "card", "due_on": "2026-12-12", "comment": " x "}
    body = sale_body(typed, SERVICE | {"freestyle": False, "shared": False}, "c1", FMT)
    assert body == {
        "service_id": "s1",
        "payment_mode": "credit",
        "due_on": "2026-12-12",
        "comment": "x",
    }


def test_freestyle_fields_count_only_when_shown_for_that_service() -> None:
    typed = {
        "payment_mode": "none",
        "price": "250,50",
        "classes": "10",
        "period_count": "2",
        "period_unit": "week",
        "shown_service": "s1",
        "members": ["c1", "c2", "c2", ""],
        "group_id": "g1",
    }
    assert sale_body(typed, SERVICE, "c1", FMT) == {
        "service_id": "s1",
        "payment_mode": "none",
        "group_id": "g1",
        "price_minor": 25050,
        "classes": 10,
        "period": {"unit": "week", "count": 2},
        "members": ["c2"],
    }
    left_from_another = typed | {"shown_service": "s0"}
    assert "price_minor" not in sale_body(left_from_another, SERVICE, "c1", FMT)
    not_freestyle = SERVICE | {"freestyle": False, "shared": False}
    assert sale_body(typed, not_freestyle, "c1", FMT).keys() == {
        "service_id",
        "payment_mode",
        "group_id",
    }
    with pytest.raises(ArithmeticError):
        sale_body(typed | {"price": "lots"}, SERVICE, "c1", FMT)


def test_a_subscription_says_whether_it_renews() -> None:
    subscription = SERVICE | {"kind": "subscription", "freestyle": False, "shared": False}
    assert sale_body({"payment_mode": "none"}, subscription, "c1", FMT)["auto_renew"] is True
    no = {"payment_mode": "none", "auto_renew": "no"}
    assert sale_body(no, subscription, "c1", FMT)["auto_renew"] is False
    assert "auto_renew" not in sale_body(no, SERVICE, "c1", FMT)


def test_a_new_service_sends_its_flags_and_places() -> None:
    typed = {
        "kind": "pack",
        "name": "Dance",
        "price": "300",
        "classes": "",
        "period_count": "1",
        "period_unit": "month",
        "freestyle": "on",
        "overlapping": "",
        "branch_ids": ["b1"],
    }
    assert new_service_body(typed, FMT) == {
        "kind": "pack",
        "name": "Dance",
        "price_minor": 30000,
        "branch_ids": ["b1"],
        "group_ids": [],
        "unlimited": True,
        "period": {"unit": "month", "count": 1},
        "leftover": "burn",
        "freestyle": True,
        "overlapping": False,
        "shared": False,
    }
    one_time = new_service_body({"kind": "one_time", "name": "Trial", "price": "50"}, FMT)
    assert one_time.keys() == {"kind", "name", "price_minor", "branch_ids", "group_ids"}


def test_an_edit_sends_only_what_changed() -> None:
    same = {
        "name": "Dance",
        "description": "",
        "price": price_text(30000, FMT, "PLN"),
        "leftover": "burn",
        "freestyle": "on",
        "overlapping": "on",
        "shared": "on",
        "branch_ids": ["b1"],
        "group_ids": [],
    }
    assert same["price"] == "300,00"
    assert price_text(1250, Formats(locale="en", currency="EUR"), "EUR") == "12.50"
    assert changes(SERVICE, same, FMT) == {}
    assert changes(SERVICE, same | {"price": "300"}, FMT) == {}
    edited = same | {"price": "320,5", "shared": "", "leftover": "carry", "branch_ids": []}
    assert changes(SERVICE, edited, FMT) == {
        "price_minor": 32050,
        "shared": False,
        "leftover": "carry",
        "branch_ids": [],
    }
    assert changes(SERVICE | {"kind": "one_time"}, same | {"leftover": "carry"}, FMT) == {}


@pytest.mark.parametrize(
    ("locale", "count", "words"),
    [
        ("pl", "1", ["miesiąc", "tydzień", "dzień"]),
        ("pl", "3", ["miesiące", "tygodnie", "dni"]),
        ("pl", "12", ["miesięcy", "tygodni", "dni"]),
        ("ru", "21", ["месяц", "неделя", "день"]),
        ("uk", "", ["місяців", "тижнів", "днів"]),
        ("en", "1", ["month", "week", "day"]),
    ],
)
def test_the_validity_unit_agrees_with_the_count_typed(
    locale: str, count: str, words: list[str]
) -> None:
    pages = Pages(mark_untranslated=True)
    html = (
        pages.environments[locale]
        .get_template("app/_period_unit.html")
        .render(count=count, chosen="week")
    )
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', html)
    assert [label for _, _, label in options] == words
    assert [unit for unit, selected, _ in options if selected] == ["week"]
