# ruff: noqa: RUF001  (Cyrillic text is meant)
"""Templates per organisation, trigger, channel and locale: checked on save (422 naming what
is wrong, nothing written), versions recorded per message, previews, test sends, and the
fallback to the organisation's locale and then to the shipped text."""

from __future__ import annotations

import uuid
from datetime import date

from crm_contracts.events.billing import PackRunningLow, PaymentDueSoon
from crm_contracts.events.journal import MakeupExpiring

from .conftest import Api, N, staff, text_of, wait_for


def due(client_id: uuid.UUID) -> PaymentDueSoon:
    return PaymentDueSoon(
        due_item_id=uuid.uuid4(),
        client_id=client_id,
        kind="credit",
        due_on=date(2026, 12, 24),
        amount_minor=4_200,
        currency="PLN",
        balance_minor=-4_200,
    )


def test_saving_checks_variables_syntax_locale_and_trigger_and_writes_nothing_bad(
    api: Api,
) -> None:
    org = api.organisation()
    body = {"trigger": "payment_due_soon", "locale": "en", "subject": "Pay", "body": "x"}
    cases = [
        ({"body": "{{ amount }} {{ password }}"}, "body", "unknown variable 'password'"),
        ({"subject": "{% if amount %}"}, "subject", "syntax error on line 1"),
        ({"locale": "xx"}, "locale", "unknown locale 'xx'"),
        ({"trigger": "birthday"}, "trigger", "unknown trigger 'birthday'"),
        ({"channel": "fax"}, "channel", ""),
        ({"extra": 1}, "extra", ""),
    ]
    for change, field, message in cases:
        answer = api.call("POST", f"{N}/templates", org.owner, json=body | change)
        assert answer.status_code == 422, (change, answer.text)
        errors = answer.json()["errors"]
        assert [e["field"] for e in errors] == [field]
        assert message in errors[0]["message"]
    teacher = staff(org.tenant, "teacher", group_ids=frozenset({uuid.uuid4()}))
    assert api.call("POST", f"{N}/templates", teacher, json=body).status_code == 403
    listed = api.ok("GET", f"{N}/templates", org.owner, params={"trigger": "payment_due_soon"})[
        "items"
    ]
    assert {t["locale"] for t in listed} == {"en", "ru", "pl", "uk"}
    assert {t["version"] for t in listed} == {0}


def test_an_own_template_is_used_in_its_locale_and_its_version_recorded(api: Api) -> None:
    org = api.organisation(locale="ru")
    body = {
        "trigger": "payment_due_soon",
        "locale": "ru",
        "subject": "Счёт на {{ amount }}",
        "body": "{{ first_name }}, оплатите {{ amount }} до {{ due_on }}.",
    }
    first = api.ok("POST", f"{N}/templates", org.owner, json=body)
    assert first["version"] == 1
    second = api.ok(
        "POST", f"{N}/templates", org.owner, json=body | {"subject": "К оплате {{ amount }}"}
    )
    assert second["version"] == 2
    client = api.client_of(org, email="ru@example.com")
    api.send(due(client), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("ru@example.com"))
    assert str(letter["Subject"]).startswith("К оплате 42,00")
    assert "до 24 декабря 2026" in text_of(letter)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert row["template_version"] == 2
    assert row["locale"] == "ru"


def test_a_locale_not_shipped_falls_back_to_english(api: Api) -> None:
    org = api.organisation(locale="de")
    client = api.client_of(org, email="de@example.com")
    api.send(due(client), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("de@example.com"))
    assert "Hello Anna" in text_of(letter)
    assert "24. Dezember 2026" in text_of(letter)  # dates still in the recipient's locale


def test_shipped_plural_forms_in_each_locale(api: Api) -> None:
    for locale, count, words in [
        ("pl", 2, "zostało 2 zajęcia"),
        ("pl", 5, "zostało 5 zajęć"),
        ("ru", 1, "осталось 1 занятие"),
        ("uk", 5, "залишилося 5 занять"),
        ("en", 1, "only 1 class left"),
    ]:
        org = api.organisation(locale=locale)
        address = f"{locale}{count}-{uuid.uuid4().hex[:6]}@example.com"
        client = api.client_of(org, email=address)
        api.send(
            PackRunningLow(
                pack_id=uuid.uuid4(), client_id=client, name="Piano", classes_left=count
            ),
            org.tenant,
        )
        (letter,) = wait_for(lambda a=address: api.smtp.to(a))  # type: ignore[misc]
        assert words in text_of(letter), (locale, text_of(letter))


def test_preview_renders_example_values_and_checks_unsaved_text(api: Api) -> None:
    org = api.organisation(currency="PLN")
    shown = api.ok(
        "POST",
        f"{N}/templates/preview",
        org.owner,
        json={"trigger": "pack_running_low", "locale": "pl"},
    )
    assert "2 zajęcia" in shown["text"]
    assert shown["template_version"] == 0
    assert "<p>" in shown["html"]
    tried = api.ok(
        "POST",
        f"{N}/templates/preview",
        org.owner,
        json={
            "trigger": "staff_invitation",
            "locale": "en",
            "subject": "Join {{ school }}",
            "body": "Click {{ link }}",
        },
    )
    assert tried["subject"] == "Join Music school"
    assert "/example-link" in tried["text"]
    bad = api.call(
        "POST",
        f"{N}/templates/preview",
        org.owner,
        json={"trigger": "payment_overdue", "locale": "en", "body": "{{ secret }}"},
    )
    assert bad.status_code == 422
    assert "unknown variable 'secret'" in bad.text


def test_a_test_send_reaches_the_given_address_with_example_values(api: Api) -> None:
    org = api.organisation()
    sent = api.ok(
        "POST",
        f"{N}/templates/test-send",
        org.owner,
        202,
        json={"trigger": "payment_overdue", "locale": "en", "email": "me@example.com"},
    )
    (letter,) = wait_for(lambda: api.smtp.to("me@example.com"))
    assert "PLN125.50" in str(letter["Subject"])
    wait_for(lambda: api.messages(id=uuid.UUID(sent["message_id"]), status="sent"))
    bad = api.call(
        "POST",
        f"{N}/templates/test-send",
        org.owner,
        json={"trigger": "payment_overdue", "locale": "en", "email": "not an address"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"


def test_triggers_list_their_category_and_variables(api: Api) -> None:
    org = api.organisation()
    found = {t["name"]: t for t in api.ok("GET", f"{N}/triggers", org.owner)["items"]}
    assert found["password_reset"]["category"] == "transactional"
    assert "amount" in found["payment_due_soon"]["variables"]


def test_a_make_up_about_to_expire_is_reminded_once(api: Api) -> None:
    org = api.organisation(locale="pl")
    client = api.client_of(org, email="makeup@example.com")
    expiring = MakeupExpiring(
        mark_id=uuid.uuid4(),
        client_id=client,
        group_id=uuid.uuid4(),
        branch_id=org.branch,
        lesson_date=date(2026, 3, 10),
        makeup_until=date(2026, 4, 9),
    )
    api.send(expiring, org.tenant)
    api.send(expiring, org.tenant)  # published again: the same absence
    (letter,) = wait_for(lambda: api.smtp.to("makeup@example.com"))
    assert "9 kwietnia 2026" in str(letter["Subject"])
    assert "10 marca 2026" in text_of(letter)
    assert len(api.messages(client_id=client)) == 1
