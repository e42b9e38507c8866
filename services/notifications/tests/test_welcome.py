"""The welcome letter: sent once a client confirms their email, once per client, even when the
confirming event arrives twice or a later address is confirmed too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_contracts.events.clients import ClientRegistered, ClientUpdated

from .conftest import Api, text_of, wait_for


def test_welcome_goes_once_when_the_email_is_confirmed(api: Api) -> None:
    org = api.organisation(locale="pl", name="Szkoła muzyczna")
    client_id = uuid.uuid4()
    card = {
        "client_id": client_id,
        "first_name": "Ola",
        "last_name": "Nowak",
        "email": "ola@example.com",
        "email_confirmed": False,
        "branch_id": org.branch,
    }
    start = datetime.now(UTC)
    api.deliver(api.envelope(ClientRegistered(**card), org.tenant, source="clients", time=start))
    assert api.messages(client_id=client_id) == []

    confirmed = ClientUpdated(**card | {"email_confirmed": True})
    twice = api.envelope(confirmed, org.tenant, source="clients", time=start + timedelta(seconds=1))
    assert api.deliver(twice) == ["done"]
    assert api.deliver(twice) == ["duplicate"]
    # the same state again under another envelope, and a newer address confirmed later
    api.deliver(
        api.envelope(confirmed, org.tenant, source="clients", time=start + timedelta(seconds=2))
    )
    # sent before the address moves: a letter re-checked while the new address is still
    # unconfirmed is skipped as unreachable
    (letter,) = wait_for(lambda: api.smtp.to("ola@example.com"))
    moved = card | {"email": "ola2@example.com"}
    api.deliver(
        api.envelope(
            ClientUpdated(**moved), org.tenant, source="clients", time=start + timedelta(seconds=3)
        )
    )
    api.deliver(
        api.envelope(
            ClientUpdated(**moved | {"email_confirmed": True}),
            org.tenant,
            source="clients",
            time=start + timedelta(seconds=4),
        )
    )

    (row,) = wait_for(lambda: api.messages(client_id=client_id, status="sent"))
    assert row["trigger"] == "client_welcome"
    assert letter["Subject"] == "Witamy w Szkoła muzyczna"
    assert "Dzień dobry, Ola!" in text_of(letter)
    assert api.smtp.to("ola2@example.com") == []
    assert len(api.messages(client_id=client_id)) == 1


def test_a_card_registered_with_a_confirmed_email_gets_no_welcome(api: Api) -> None:
    org = api.organisation()
    client_id = api.client_of(org, email="known@example.com")
    card = ClientUpdated(
        client_id=client_id,
        first_name="Anna",
        last_name="Nowak",
        email="known@example.com",
        email_confirmed=True,
        branch_id=org.branch,
    )
    api.send(card, org.tenant)
    assert api.messages(client_id=client_id) == []
