"""A subscription's renewal is written to the client once per pack and period, with the new
period, its classes (in the locale's plural form) and the invoice's amount and due date."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from crm_contracts.events.billing import SubscriptionRenewed

from .conftest import Api, text_of, wait_for


def renewed(client: uuid.UUID, pack: uuid.UUID, **kw: Any) -> SubscriptionRenewed:
    fields: dict[str, Any] = {
        "pack_id": pack,
        "client_id": client,
        "name": "Piano",
        "period_starts_on": date(2026, 12, 1),
        "period_ends_on": date(2026, 12, 31),
        "billing": "prepaid",
        "amount_minor": 40_000,
        "currency": "PLN",
        "invoice_id": uuid.uuid4(),
        "due_on": date(2026, 12, 1),
        "classes_issued": 5,
    } | kw
    return SubscriptionRenewed(**fields)


def test_a_renewal_is_written_once_per_period_with_its_invoice(api: Api) -> None:
    org = api.organisation(locale="pl")
    client = api.client_of(org, email="renewed@renewal.test")
    pack = uuid.uuid4()
    event = api.envelope(renewed(client, pack), org.tenant)
    assert api.deliver(event) == ["done"]
    assert api.deliver(event) == ["duplicate"]
    api.send(renewed(client, pack), org.tenant)  # the same period published again

    (letter,) = wait_for(lambda: api.smtp.to("renewed@renewal.test"))
    assert letter["Subject"] == "Karnet Piano został przedłużony"
    body = text_of(letter)
    assert "Obejmuje 5 zajęć." in body
    assert "400,00" in body
    assert "1 grudnia 2026" in body
    wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert len(api.messages(client_id=client)) == 1

    # the next period is another letter; two classes take the "few" form
    api.send(
        renewed(
            client,
            pack,
            period_starts_on=date(2027, 1, 1),
            period_ends_on=date(2027, 1, 31),
            classes_issued=2,
        ),
        org.tenant,
    )
    letters = wait_for(
        lambda: (
            len(api.smtp.to("renewed@renewal.test")) == 2 and api.smtp.to("renewed@renewal.test")
        )
    )
    assert "Obejmuje 2 zajęcia." in text_of(letters[1])
