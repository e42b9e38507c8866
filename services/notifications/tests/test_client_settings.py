"""The organisation's channel order in the settings (known channels, each once, or a 422
naming the field) and the client's own locale from its card, which picks the template: the
organisation's own in the client's locale, else in the organisation's, else the shipped one
in the first of those that is shipped."""

from __future__ import annotations

from crm_contracts.events.clients import ClientUpdated

from .conftest import Api, N, staff, text_of, wait_for
from .test_rules import due


def test_the_channel_order_is_shown_chosen_and_checked(api: Api) -> None:
    org = api.organisation()
    assert api.ok("GET", f"{N}/settings", org.owner)["channel_order"] == [
        "telegram",
        "push",
        "email",
        "sms",
    ]
    chosen = api.ok("PATCH", f"{N}/settings", org.owner, json={"channel_order": ["email", "sms"]})
    assert chosen["channel_order"] == ["email", "sms"]
    assert api.ok("GET", f"{N}/settings", org.owner)["channel_order"] == ["email", "sms"]
    for wrong, why in (
        (["email", "email"], "each channel at most once"),
        (["email", "fax"], "telegram"),
        ([], "at least 1"),
        ("email", "list"),
    ):
        answer = api.call("PATCH", f"{N}/settings", org.owner, json={"channel_order": wrong})
        assert answer.status_code == 422, wrong
        (error,) = answer.json()["errors"]
        assert error["field"].startswith("channel_order"), error
        assert why in error["message"], error
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    assert (
        api.call("PATCH", f"{N}/settings", admin, json={"channel_order": ["sms"]}).status_code
        == 403
    )
    assert api.ok("GET", f"{N}/settings", org.owner)["channel_order"] == ["email", "sms"]
    reset = api.ok("PATCH", f"{N}/settings", org.owner, json={"channel_order": None})
    assert reset["channel_order"] == ["telegram", "push", "email", "sms"]


def test_a_channel_left_out_of_the_order_is_not_used(api: Api) -> None:
    org = api.organisation()
    api.ok("PATCH", f"{N}/settings", org.owner, json={"channel_order": ["telegram", "sms"]})
    client = api.client_of(org, email="no-email-channel@example.com")
    api.send(due(client), org.tenant)
    (row,) = api.messages(client_id=client)
    assert row["status"] == "skipped"
    assert row["reason"].startswith("no address")


def test_the_clients_locale_picks_the_template_then_the_organisations(api: Api) -> None:
    org = api.organisation(locale="pl")
    ukrainian = api.client_of(org, email="uk@example.com", locale="uk")
    api.send(due(ukrainian), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("uk@example.com"))
    assert text_of(letter).startswith("Вітаємо, Anna!")
    (row,) = api.messages(client_id=ukrainian)
    assert row["locale"] == "uk"

    german = api.client_of(org, email="de-client@example.com", locale="de")
    undecided = api.client_of(org, email="none@example.com")
    api.send(due(german), org.tenant)
    api.send(due(undecided), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("de-client@example.com"))
    assert text_of(letter).startswith("Dzień dobry, Anna!")  # not shipped in German: Polish
    assert "24. Dezember 2026" in text_of(letter)  # the date still in the client's locale
    (letter,) = wait_for(lambda: api.smtp.to("none@example.com"))
    assert text_of(letter).startswith("Dzień dobry, Anna!")

    # the organisation's own Polish template comes before a shipped one in another language
    own = {
        "trigger": "payment_due_soon",
        "locale": "pl",
        "subject": "Do zapłaty {{ amount }}",
        "body": "{{ first_name }}: {{ amount }} do {{ due_on }}.",
    }
    api.ok("POST", f"{N}/templates", org.owner, json=own)
    api.send(due(ukrainian), org.tenant)
    wait_for(lambda: len(api.smtp.to("uk@example.com")) == 2)
    assert str(api.smtp.to("uk@example.com")[1]["Subject"]).startswith("Do zapłaty")

    # the card changes language: the next message follows it (its dates and amounts; the
    # text is still the organisation's own, in its default locale, as none is in English)
    card = {
        "client_id": ukrainian,
        "first_name": "Anna",
        "last_name": "Nowak",
        "email": "uk@example.com",
        "email_confirmed": True,
        "branch_id": org.branch,
        "locale": "en",
    }
    api.send(ClientUpdated(**card), org.tenant)
    api.send(due(ukrainian), org.tenant)
    wait_for(lambda: len(api.smtp.to("uk@example.com")) == 3)
    assert text_of(api.smtp.to("uk@example.com")[2]).startswith("Anna: PLN30.00 do December 24")
