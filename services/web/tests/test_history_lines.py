"""A client's history in the page's language: every kind the clients service records has a
sentence, each sentence is worded in ru, pl and uk with the locale's dates and money, and a
kind without one (or a line older than its data) shows the English summary marked as such."""

from __future__ import annotations

import re
from typing import Any

import pytest
from clients_svc.domain.history import HISTORY_KINDS

from web_svc.history_lines import SENTENCES, Choice, Line, sentence_of, worded
from web_svc.i18n import Formats, Translator

AT = "2026-12-01T09:30:00+00:00"
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
MONEY = {"currency": "PLN"}

# (kind, data): one line of every sentence, as the clients service records it.
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("client.registered", {}),
    ("client.imported", {"row": 3}),
    ("client.updated", {"note": {}, "first_name": {"from": "Ann", "to": "Anna"}}),
    ("client.phone_changed", {"from": None, "to": "+48600100200"}),
    ("client.phone_changed", {"from": "+48600100200", "to": None}),
    ("client.phone_changed", {"from": "+48600100200", "to": "+48600100300"}),
    ("client.email_confirmed", {"email": "anna@example.com"}),
    ("client.tags_changed", {"added": ["piano"], "removed": []}),
    ("client.tags_changed", {"added": [], "removed": ["vip"]}),
    ("client.tags_changed", {"added": ["piano"], "removed": ["vip"]}),
    (
        "client.frozen",
        {"from": "2026-12-01", "until": "2026-12-20", "reason": "flu", "scheduled": False},
    ),
    (
        "client.frozen",
        {"from": "2026-12-05", "until": "2026-12-20", "reason": "flu", "scheduled": True},
    ),
    ("client.freeze_started", {}),
    ("client.unfrozen", {"reason": "manual"}),
    ("client.unfrozen", {"reason": "period_ended"}),
    ("client.archived", {}),
    ("client.restored", {}),
    ("lead.created", {"source": None}),
    ("lead.created", {"source": "portal sign-up"}),
    ("lead.status_changed", {"status": "new", "lost_reason": None}),
    ("lead.status_changed", {"status": "contacted", "lost_reason": None}),
    ("lead.status_changed", {"status": "trial", "lost_reason": None}),
    ("lead.status_changed", {"status": "won", "lost_reason": None}),
    ("lead.status_changed", {"status": "lost", "lost_reason": "too far"}),
    ("lead.converted", {"lead_id": "x"}),
    ("link.issued", {"reissued": False}),
    ("link.issued", {"reissued": True}),
    ("link.revoked", {}),
    ("messenger.bound", {"channel": "telegram"}),
    ("family.joined", {"family_id": "x"}),
    ("family.left", {"family_id": "x"}),
    ("family.payer_set", {"payer_client_id": "x"}),
    ("family.payer_set", {"payer_client_id": None}),
    ("task.created", {"task_kind": "call", "due_date": "2026-12-03", "title": "Ask"}),
    ("task.created", {"task_kind": "task", "due_date": "2026-12-03", "title": "Ask"}),
    (
        "task.created",
        {"task_kind": "task", "due_date": "2026-12-03", "login": "a@b.c", "signup": "archived"},
    ),
    (
        "task.created",
        {
            "task_kind": "task",
            "due_date": "2026-12-03",
            "login": "a@b.c",
            "signup": "several_cards",
        },
    ),
    ("task.open", {"title": "Ask"}),
    ("task.done", {"title": "Ask"}),
    ("task.cancelled", {"title": "Ask"}),
    ("portal.linked", {"login": "a@b.c"}),
    ("profile.requested", {"fields": ["email", "phone"]}),
    ("profile.approved", {}),
    ("profile.rejected", {}),
    (
        "journal.enrolment_started",
        {"group_name": "Piano", "from_date": "2026-12-01", "transferred": False},
    ),
    (
        "journal.enrolment_started",
        {"group_name": "Piano", "from_date": "2026-12-01", "transferred": True},
    ),
    (
        "journal.enrolment_ended",
        {"group_name": "Piano", "until_date": "2026-12-01", "transferred": False},
    ),
    (
        "journal.enrolment_ended",
        {"group_name": "Piano", "until_date": "2026-12-01", "transferred": True},
    ),
    (
        "journal.attendance_marked",
        {"status": "excused", "lesson_date": "2026-12-01", "group_name": "Piano"},
    ),
    (
        "journal.attendance_unmarked",
        {"previous_status": "attended", "lesson_date": "2026-12-01", "group_name": "Piano"},
    ),
    *(
        (
            "billing.pack_sold",
            {"name": "Piano x 8", "price_minor": 40000, "payment_mode": m} | MONEY,
        )
        for m in ("paid", "credit", "none")
    ),
    *(
        ("billing.pack_changed", {"name": "Piano x 8", "change": change, "classes_delta": -2})
        for change in (
            "extended",
            "cancelled",
            "refunded",
            "bonus_added",
            "transferred_out",
            "transferred_in",
            "frozen",
            "unfrozen",
            "restored",
            "validity_edited",
            "expired",
        )
    ),
    *(
        (
            "billing.payment_recorded",
            {"amount_minor": 15000, "method": m, "paid_on": "2026-12-01"} | MONEY,
        )
        for m in ("cash", "card", "transfer")
    ),
    ("billing.entry_cancelled", {"entry_kind": "payment", "amount_minor": 15000} | MONEY),
    (
        "billing.entry_cancelled",
        {"entry_kind": "sale", "amount_minor": 15000, "reason": "typed twice"} | MONEY,
    ),
    ("billing.visit_charged", {"lesson_date": "2026-12-01", "amount_minor": 5000} | MONEY),
    (
        "billing.invoice_issued",
        {"amount_minor": 40000, "due_on": "2026-12-10", "description": "Piano x 8"} | MONEY,
    ),
    ("billing.balance_changed", {"balance_minor": -2500} | MONEY),
]


def line(kind: str, data: dict[str, Any], summary: str = "Said in English") -> dict[str, Any]:
    return {"kind": kind, "data": data, "summary": summary, "occurred_at": AT}


def say(locale: str, kind: str, data: dict[str, Any], summary: str = "Said in English") -> Line:
    return worded(line(kind, data, summary), Formats(locale, currency="PLN"), Translator(locale))


def test_every_kind_the_clients_service_records_has_a_sentence() -> None:
    assert len(HISTORY_KINDS) > 30
    assert sorted(k for k in HISTORY_KINDS if k not in SENTENCES) == []
    assert sorted(k for k in SENTENCES if k not in HISTORY_KINDS) == []  # none left over


def test_the_samples_reach_every_sentence() -> None:
    every = {
        s
        for found in SENTENCES.values()
        for s in (found.options.values() if isinstance(found, Choice) else [found])
    }
    assert {sentence_of(kind, data) for kind, data in SAMPLES} == every


@pytest.mark.parametrize("locale", ["ru", "pl", "uk"])
@pytest.mark.parametrize(("kind", "data"), SAMPLES)
def test_each_sentence_is_worded_in_the_pages_language(
    locale: str, kind: str, data: dict[str, Any]
) -> None:
    english = say("en", kind, data)
    worded_here = worded(
        line(kind, data), Formats(locale, currency="PLN"), Translator(locale, mark_missing=True)
    )
    assert english.lang is None  # no fallback to the summary
    assert worded_here.lang is None
    assert worded_here.text != english.text
    assert "\u27e6" not in worded_here.text  # every word of it is in the catalogue
    assert not ISO_DATE.search(worded_here.text)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Enrolled in group Piano from Dec 1, 2026"),
        ("ru", "Зачисление в группу Piano с 1 дек. 2026\u202fг."),  # noqa: RUF001
        ("pl", "Zapis do grupy Piano od 1 gru 2026"),
        ("uk", "Зарахування до групи Piano з 1 груд. 2026\u202fр."),  # noqa: RUF001
    ],
)
def test_dates_are_written_as_the_locale_writes_them(locale: str, expected: str) -> None:
    data = {"group_name": "Piano", "from_date": "2026-12-01", "transferred": False}
    assert say(locale, "journal.enrolment_started", data).text == expected


def test_money_and_plurals_follow_the_locale() -> None:
    paid = {"amount_minor": 15000, "method": "card", "paid_on": "2026-12-01"} | MONEY
    assert say("pl", "billing.payment_recorded", paid).text == (
        "Płatność 150,00\u00a0zł kartą, 1 gru 2026"
    )
    bonus = {"name": "Piano x 8", "change": "bonus_added", "classes_delta": 2}
    assert say("ru", "billing.pack_changed", bonus).text == (
        "Piano x 8: добавлены бонусные занятия (2 занятия)"
    )
    assert say("uk", "billing.pack_changed", bonus | {"classes_delta": 5}).text == (
        "Piano x 8: додано бонусні заняття (5 занять)"
    )
    assert say("en", "billing.pack_changed", bonus | {"classes_delta": 0}).text == (
        "Piano x 8: bonus classes added"
    )


def test_a_packs_invoice_is_named_with_its_period_as_the_locale_writes_it() -> None:
    issued = {"amount_minor": 40000, "due_on": "2026-12-10", "description": "Piano x 8"} | MONEY
    period = {"period_from": "2026-12-07", "period_until": "2027-01-06"}
    said = say("pl", "billing.invoice_issued", issued | period).text
    assert said.endswith(": Piano x 8: 7 gru 2026 \u2013 6 sty 2027"), said
    opened = say("pl", "billing.invoice_issued", issued | {"period_from": "2026-12-07"}).text
    assert opened.endswith(": Piano x 8: 7 gru 2026 \u2013"), opened
    assert say("pl", "billing.invoice_issued", issued).text.endswith(": Piano x 8")


def test_an_unknown_kind_shows_the_summary_marked_english_on_another_languages_page() -> None:
    assert say("ru", "client.teleported", {}, "Teleported to Mars") == Line(
        AT, "Teleported to Mars", "en"
    )
    assert say("en", "client.teleported", {}, "Teleported to Mars") == Line(
        AT, "Teleported to Mars", None
    )


def test_a_line_recorded_before_its_data_held_the_words_shows_the_summary() -> None:
    old = {"group_id": "x", "enrolment_id": "y"}  # no group name, no date
    said = say("uk", "journal.enrolment_started", old, "Enrolled in group Piano from 2026-12-01")
    assert said == Line(AT, "Enrolled in group Piano from 2026-12-01", "en")
    unknown_status = {"status": "teleported", "lesson_date": "2026-12-01", "group_name": "P"}
    assert say("pl", "journal.attendance_marked", unknown_status).lang == "en"
