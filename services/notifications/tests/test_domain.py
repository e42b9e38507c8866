"""Rules without I/O: retries, template checks and plural forms, sealing, unsubscribe links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from notifications_svc.domain.retries import DeliveryError, next_attempt
from notifications_svc.domain.triggers import TEMPLATED, TRIGGERS, dedup_key
from notifications_svc.templates.render import problems, render
from notifications_svc.templates.shipped import SHIPPED
from notifications_svc.templates.variables import money
from notifications_svc.unsubscribe.tokens import UnsubscribeTokens

from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY, DEV_SEAL_PUBLIC_KEY
from crm_platform.sealing import Opener, SealError, seal

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def test_transient_failures_wait_longer_each_time_then_fail() -> None:
    delays = [30, 120, 600]
    transient = DeliveryError("timeout", transient=True)
    assert next_attempt(transient, 1, delays, NOW) == NOW + timedelta(seconds=30)
    assert next_attempt(transient, 3, delays, NOW) == NOW + timedelta(seconds=600)
    assert next_attempt(transient, 4, delays, NOW) is None
    assert next_attempt(DeliveryError("550 no such user", transient=False), 1, delays, NOW) is None
    told = DeliveryError("429", transient=True, wait_seconds=300)
    assert next_attempt(told, 1, delays, NOW) == NOW + timedelta(seconds=300)


def test_the_dedup_key_names_reason_recipient_and_channel() -> None:
    a = dedup_key("payment_due_soon", "item-1", "client-1", "email")
    assert a != dedup_key("payment_due_soon", "item-1", "client-1", "telegram")
    assert a != dedup_key("payment_overdue", "item-1", "client-1", "email")


def test_every_shipped_template_uses_only_its_declared_variables() -> None:
    for locale, templates in SHIPPED.items():
        assert set(templates) == set(TEMPLATED), locale
        for trigger, source in templates.items():
            allowed = TRIGGERS[trigger].allowed
            assert problems(source.subject, allowed) == [], (locale, trigger)
            assert problems(source.body, allowed) == [], (locale, trigger)


def test_template_problems_name_the_unknown_variable_and_the_syntax_error() -> None:
    allowed = TRIGGERS["payment_due_soon"].allowed
    assert problems("{{ amount }} {{ password }}", allowed) == ["unknown variable 'password'"]
    assert problems("{% if amount %}", allowed)[0].startswith("syntax error on line 1")
    assert problems("{{ amount.__class__ }}", allowed) != []


def test_plural_forms_follow_the_locale() -> None:
    forms = 'plural(n, one="занятие", few="занятия", many="занятий", other="занятия")'
    text = {n: render("", "{{ " + forms + " }}", {"n": n}, "ru").text for n in (1, 3, 5, 21)}
    assert text == {1: "занятие", 3: "занятия", 5: "занятий", 21: "занятие"}
    pl = 'plural(n, one="zajęcia", few="zajęcia", many="zajęć")'
    assert render("", "{{ " + pl + " }}", {"n": 5}, "pl").text == "zajęć"


def test_money_is_written_for_the_locale() -> None:
    assert money(12_550, "PLN", "en") == "PLN125.50"
    assert money(12_550, "PLN", "pl") == "125,50\xa0zł"
    assert money(1_000, "JPY", "en") == "¥1,000"


def test_a_sealed_token_opens_only_with_the_key_and_purpose() -> None:
    sealed = seal(DEV_SEAL_PUBLIC_KEY, "invite", "secret-token")
    assert "secret-token" not in sealed
    assert Opener(DEV_SEAL_PRIVATE_KEY).open("invite", sealed) == "secret-token"
    with pytest.raises(SealError):
        Opener(DEV_SEAL_PRIVATE_KEY).open("reset", sealed)
    with pytest.raises(SealError):
        Opener(DEV_SEAL_PRIVATE_KEY).open("invite", sealed[:-2] + "AA")


def test_unsubscribe_tokens_are_signed() -> None:
    tokens = UnsubscribeTokens("secret", "https://crm.example.com/")
    message = uuid.uuid4()
    token = tokens.token(message)
    assert tokens.message_of(token) == message
    assert UnsubscribeTokens("other", "x").message_of(token) is None
    assert tokens.message_of("not-a-token") is None
    assert tokens.url(message).startswith("https://crm.example.com/api/v1/notifications/")
