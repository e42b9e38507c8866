"""A seat offered from a group's waitlist (journal.waitlist_seat_offered) is written to the
client once per offer, naming the group, in the client's language (en, ru, pl, uk)."""

from __future__ import annotations

import uuid

from crm_contracts.events.journal import WaitlistSeatOffered

from .conftest import Api, Org, text_of, wait_for


def offer(org: Org, client: uuid.UUID, group: str = "Piano, beginners") -> WaitlistSeatOffered:
    return WaitlistSeatOffered(
        entry_id=uuid.uuid4(),
        group_id=uuid.uuid4(),
        branch_id=org.branch,
        client_id=client,
        group_name=group,
    )


def test_a_seat_offered_is_written_once_naming_the_group(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="waiting@example.com")
    event = api.envelope(offer(org, client), org.tenant, source="journal")
    api.deliver(event)
    api.deliver(event.model_copy(update={"id": uuid.uuid4()}))  # the same offer again
    (letter,) = wait_for(lambda: api.smtp.to("waiting@example.com"))
    assert str(letter["Subject"]) == "A seat is free for you in Piano, beginners"
    assert "next on the waitlist" in text_of(letter)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert (row["trigger"], row["category"]) == ("waitlist_seat_offered", "reminders")
    assert len(api.smtp.to("waiting@example.com")) == 1


def test_a_seat_offered_is_written_in_the_clients_language(api: Api) -> None:
    org = api.organisation()
    expected = {
        "ru": "Для вас освободилось место в группе Гитара",
        "pl": "Zwolniło się miejsce w grupie Gitara",
        "uk": "Для вас звільнилося місце в групі Гітара",
    }
    groups = {"ru": "Гитара", "pl": "Gitara", "uk": "Гітара"}
    for locale, subject in expected.items():
        email = f"offer-{locale}@example.com"
        client = api.client_of(org, email=email, locale=locale)
        api.send(offer(org, client, groups[locale]), org.tenant)
        (letter,) = wait_for(lambda email=email: api.smtp.to(email))
        assert str(letter["Subject"]) == subject
        assert groups[locale] in text_of(letter)
