"""Clients through the gateway, with every service running as its own process: a teacher
sees only the clients of the granted groups, in search and card by card.

The teacher's group membership comes from a journal.enrolment_started event. The journal
service is being built at the same time as this test, so the test publishes that event to
RabbitMQ itself, exactly as the journal will (topic exchange crm.events, routing key = the
event type, the envelope as JSON); the clients service and the gateway consume it as usual.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import aio_pika
import httpx

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.journal import EnrolmentStarted
from crm_devrun.processes import poll_until
from crm_messaging.topology import EVENTS_EXCHANGE
from crm_platform.testing import amqp_url

from .test_access import add_staff, bearer, sign_up

CLIENTS = "/api/v1/clients/clients"


async def publish_enrolment(tenant_id: str, client_id: str, group_id: str, branch_id: str) -> None:
    """What the journal publishes when it enrols a client in a group."""
    payload = EnrolmentStarted(
        enrolment_id=uuid.uuid4(),
        group_id=uuid.UUID(group_id),
        branch_id=uuid.UUID(branch_id),
        client_id=uuid.UUID(client_id),
        from_date=date.today(),
    )
    envelope = EventEnvelope(
        type=payload.event_type,
        version=payload.event_version,
        source="journal",
        tenant_id=uuid.UUID(tenant_id),
        subject=client_id,
        data=payload.model_dump(mode="json"),
    )
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(envelope.id),
            ),
            routing_key=envelope.type,
        )


async def create_client(
    gateway: httpx.AsyncClient, owner: dict[str, str], first_name: str, phone: str
) -> dict[str, Any]:
    response = await gateway.post(
        CLIENTS,
        headers=owner,
        json={"first_name": first_name, "last_name": "Nowak", "phone": phone},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_teacher_sees_only_clients_of_the_granted_groups(
    gateway: httpx.AsyncClient,
) -> None:
    school = await sign_up(gateway, "Clients school")
    owner = bearer(school["tokens"])
    tenant, branch = school["organisation"]["id"], school["branch"]["id"]
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    _, tokens = await add_staff(gateway, owner, "teacher", [{"scope": "group", "scope_id": mine}])
    teacher = bearer(tokens)

    pupil = await create_client(gateway, owner, "Zofia", "601 234 567")
    other = await create_client(gateway, owner, "Jan", "+48 602 000 111")
    assert pupil["phone"] == "+48601234567"
    await publish_enrolment(tenant, pupil["id"], mine, branch)
    await publish_enrolment(tenant, other["id"], theirs, branch)

    async def teacher_sees_the_pupil() -> list[str] | None:
        response = await gateway.get(CLIENTS, headers=teacher)
        assert response.status_code == 200, response.text
        ids = [c["id"] for c in response.json()["items"]]
        return ids or None

    seen = await poll_until(
        teacher_sees_the_pupil, within=30.0, what="the clients service to learn the enrolment"
    )
    assert seen == [pupil["id"]]

    async def other_enrolled() -> bool | None:
        response = await gateway.get(CLIENTS, headers=owner, params={"group_id": theirs})
        return True if [c["id"] for c in response.json()["items"]] == [other["id"]] else None

    await poll_until(other_enrolled, within=30.0, what="the second enrolment")
    by_phone = await gateway.get(CLIENTS, headers=teacher, params={"q": "602 000 111"})
    assert by_phone.json()["items"] == []

    card = await gateway.get(f"{CLIENTS}/{pupil['id']}", headers=teacher)
    assert card.status_code == 200, card.text
    assert card.json()["group_ids"] == [mine]
    hidden = await gateway.get(f"{CLIENTS}/{other['id']}", headers=teacher)
    assert hidden.status_code == 404
    history = await gateway.get(f"{CLIENTS}/{other['id']}/history", headers=teacher)
    assert history.status_code == 404
    assert (await gateway.get(f"{CLIENTS}/{other['id']}", headers=owner)).status_code == 200

    stranger = bearer((await sign_up(gateway, "Another school"))["tokens"])
    assert (await gateway.get(f"{CLIENTS}/{pupil['id']}", headers=stranger)).status_code == 404
    assert (await gateway.get(CLIENTS, headers=stranger)).json()["items"] == []


async def test_the_free_plan_refuses_a_fourth_active_client_with_the_reason(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    signed = await sign_up(gateway, "Small school")
    owner = bearer(signed["tokens"])
    plan = {"plan": "free"}
    organisation = f"/operator/v1/organisations/{signed['organisation']['id']}/plan"
    assert (await gateway.put(organisation, headers=operator, json=plan)).status_code == 200
    for i in range(3):
        await create_client(gateway, owner, f"Pupil{i}", f"601 100 00{i}")
    refused = await gateway.post(
        CLIENTS, headers=owner, json={"first_name": "Fourth", "last_name": "Nowak"}
    )
    assert refused.status_code == 409
    assert "free plan allows 3 active clients" in refused.json()["detail"]
    bad_phone = await gateway.get(f"{CLIENTS}/duplicates", headers=owner, params={"phone": "12"})
    assert bad_phone.status_code == 422
