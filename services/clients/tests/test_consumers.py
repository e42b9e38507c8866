"""Events from other contexts: memberships, balances, organisations' plans, and the client
history they feed. One test sends the event through the real RabbitMQ, twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import aio_pika

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.identity import OrganisationUpdated
from crm_contracts.events.journal import EnrolmentEnded, EnrolmentStarted, GroupUpdated
from crm_messaging import InboxConsumer, Outcome
from crm_messaging.amqp import AmqpConsumer
from crm_messaging.inbox import Result
from crm_messaging.topology import EVENTS_EXCHANGE, QueueNames, RetryPolicy
from crm_platform.testing import amqp_url

from .conftest import Api, staff

CLIENTS = "/api/v1/clients/clients"


def history(api: Api, client_id: str, **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = api.ok(
        "GET", f"{CLIENTS}/{client_id}/history", api_owner(api, client_id), params=params
    )["items"]
    return items


def api_owner(api: Api, client_id: str):  # type: ignore[no-untyped-def]
    tenant = api.sql("SELECT tenant_id FROM clients WHERE id = $1", uuid.UUID(client_id))[0][0]
    return staff(tenant, "owner")


def test_an_enrolment_appears_in_the_visits_history_once_even_when_delivered_twice(
    api: Api,
) -> None:
    org = api.organisation()
    client = api.client_of(org)
    envelope = api.envelope(
        EnrolmentStarted(
            enrolment_id=uuid.uuid4(),
            group_id=uuid.uuid4(),
            branch_id=org.branch_id,
            client_id=uuid.UUID(client["id"]),
            from_date=date(2026, 2, 1),
        ),
        org.tenant_id,
        client["id"],
    )
    assert [r.outcome for r in api.deliver(envelope, envelope)] == [Outcome.DONE, Outcome.DUPLICATE]
    assert [r.outcome for r in api.deliver(envelope)] == [Outcome.DUPLICATE]
    visits = history(api, client["id"], section="visits")
    assert [h["kind"] for h in visits] == ["journal.enrolment_started"]
    assert "2026-02-01" in str(visits[0]["summary"])
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["group_ids"] == [
        str(envelope.data["group_id"])
    ]


def test_history_is_newest_first_by_when_things_happened_in_sections_and_pages(
    api: Api,
) -> None:
    org = api.organisation()
    client = api.client_of(org)
    cid = uuid.UUID(client["id"])
    long_ago = datetime.now(UTC) - timedelta(days=30)
    # Learnt late: an old balance change arrives after newer ones and sorts by its time.
    api.deliver(
        api.envelope(
            BalanceChanged(client_id=cid, balance_minor=-100, currency="PLN"), org.tenant_id, cid
        )
    )
    api.deliver(
        api.envelope(
            BalanceChanged(client_id=cid, balance_minor=900, currency="PLN"),
            org.tenant_id,
            cid,
            at=long_ago,
        )
    )
    card = api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)
    assert card["balance_minor"] == -100  # the late, older balance does not win
    finances = history(api, client["id"], section="finances")
    assert [h["data"]["balance_minor"] for h in finances] == [-100, 900]  # type: ignore[index]
    everything = history(api, client["id"])
    assert [h["section"] for h in everything] == ["finances", "other", "finances"]
    first = api.ok("GET", f"{CLIENTS}/{client['id']}/history", org.owner, params={"limit": 2})
    rest = api.ok(
        "GET",
        f"{CLIENTS}/{client['id']}/history",
        org.owner,
        params={"limit": 2, "cursor": first["next_cursor"]},
    )
    assert [h["id"] for h in first["items"] + rest["items"]] == [h["id"] for h in everything]
    assert rest["next_cursor"] is None
    hidden = staff(org.tenant_id, "owner", finances_hidden=True)
    shown = api.ok("GET", f"{CLIENTS}/{client['id']}/history", hidden)["items"]
    assert [h["section"] for h in shown] == ["other"]


def test_events_of_another_tenant_do_not_touch_a_client(api: Api) -> None:
    org = api.organisation()
    other = api.organisation()
    client = api.client_of(org)
    cid = uuid.UUID(client["id"])
    api.deliver(
        api.envelope(
            BalanceChanged(client_id=cid, balance_minor=-1, currency="PLN"), other.tenant_id, cid
        )
    )
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["balance_minor"] is None
    assert history(api, client["id"], section="finances") == []


def test_a_group_that_moves_branch_takes_its_pupils_along(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, branch_id=str(org.branch_id))
    group, north, south = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api.enrol(org, client["id"], group, branch=north)
    api.deliver(
        api.envelope(
            GroupUpdated(group_id=group, branch_id=south, name="Piano 1"), org.tenant_id, group
        )
    )
    south_admin = staff(org.tenant_id, "admin", branches={south})
    north_admin = staff(org.tenant_id, "admin", branches={north})
    assert api.call("GET", f"{CLIENTS}/{client['id']}", south_admin).status_code == 200
    assert api.call("GET", f"{CLIENTS}/{client['id']}", north_admin).status_code == 404


def test_an_end_delivered_before_its_start_is_kept(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    enrolment, group = uuid.uuid4(), uuid.uuid4()
    cid = uuid.UUID(client["id"])
    api.deliver(
        api.envelope(
            EnrolmentEnded(
                enrolment_id=enrolment,
                group_id=group,
                branch_id=org.branch_id,
                client_id=cid,
                until_date=date(2026, 1, 31),
            ),
            org.tenant_id,
            cid,
        ),
        api.envelope(
            EnrolmentStarted(
                enrolment_id=enrolment,
                group_id=group,
                branch_id=org.branch_id,
                client_id=cid,
                from_date=date(2026, 1, 1),
            ),
            org.tenant_id,
            cid,
        ),
    )
    teacher = staff(org.tenant_id, "teacher", groups={group})
    assert api.call("GET", f"{CLIENTS}/{client['id']}", teacher).status_code == 404


def test_a_plan_upgrade_from_identity_lifts_the_limit(api: Api) -> None:
    org = api.organisation(plan="free")
    for i in range(3):
        api.client_of(org, first_name=f"C{i}")
    assert (
        api.call("POST", CLIENTS, org.owner, json={"first_name": "D", "last_name": "E"}).status_code
        == 409
    )
    api.deliver(
        api.envelope(
            OrganisationUpdated(
                organisation_id=org.tenant_id,
                name="S",
                currency="PLN",
                time_zone="Europe/Warsaw",
                locale="pl",
                plan="pro",
            ),
            org.tenant_id,
            org.tenant_id,
        )
    )
    assert (
        api.call("POST", CLIENTS, org.owner, json={"first_name": "D", "last_name": "E"}).status_code
        == 201
    )


async def _publish_twice(url: str, envelope: EventEnvelope) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        body = envelope.model_dump_json().encode()
        for _ in range(2):
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
            )


async def _delete_queues(url: str, names: QueueNames) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in (names.main, names.parking, names.retry(1)):
            await channel.queue_delete(queue)


class CountingInbox(InboxConsumer):
    """The service's inbox, noting the outcome of every delivery it handled."""

    outcomes: list[Outcome]

    async def handle_batch(self, envelopes: Sequence[EventEnvelope]) -> list[Result]:
        results = await super().handle_batch(envelopes)
        self.outcomes += [r.outcome for r in results]
        return results


def test_an_enrolment_published_twice_through_rabbitmq_is_in_the_history_once(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    app_inbox = api.messaging.inbox
    # The app's own handlers and database, on a queue of this test's own (so that a running
    # clients service elsewhere on this broker does not take the messages).
    name = f"clients_test_{uuid.uuid4().hex[:8]}"
    inbox = CountingInbox(name, app_inbox.database, app_inbox.inbox, app_inbox.handlers)
    inbox.outcomes = []
    url = amqp_url()
    consumer = AmqpConsumer(url, inbox, policy=RetryPolicy(delays_ms=(50,)))
    portal = api.client.portal
    assert portal is not None
    portal.call(consumer.start)
    try:
        envelope = api.envelope(
            EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=uuid.uuid4(),
                branch_id=org.branch_id,
                client_id=uuid.UUID(client["id"]),
                from_date=date(2026, 3, 1),
            ),
            org.tenant_id,
            client["id"],
        )
        asyncio.run(_publish_twice(url, envelope))
        deadline = time.monotonic() + 20
        while len(inbox.outcomes) < 2:
            assert time.monotonic() < deadline, f"only {inbox.outcomes} in time"
            time.sleep(0.02)  # polling the consumer's progress, not timing it
        assert sorted(o.value for o in inbox.outcomes) == ["done", "duplicate"]
        visits = history(api, client["id"], section="visits")
        assert [h["kind"] for h in visits] == ["journal.enrolment_started"]
    finally:
        portal.call(consumer.stop)
        asyncio.run(_delete_queues(url, QueueNames(name)))


def test_the_card_keeps_the_balance_with_the_highest_sequence_whatever_the_times(
    api: Api,
) -> None:
    """Two of billing's batches overlapped: the one stamped first committed last, so its
    event has the older time but the higher sequence (the newer balance)."""
    org = api.organisation()
    client = api.client_of(org)
    cid = uuid.UUID(client["id"])
    now = datetime.now(UTC)

    def balance(minor: int, sequence: int, at: datetime) -> None:
        payload = BalanceChanged(
            client_id=cid, balance_minor=minor, currency="PLN", sequence=sequence
        )
        api.deliver(api.envelope(payload, org.tenant_id, cid, at=at))

    balance(300, 7, now)
    balance(500, 8, now - timedelta(milliseconds=2))
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["balance_minor"] == 500
    balance(300, 7, now + timedelta(seconds=1))
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["balance_minor"] == 500
    finances = history(api, client["id"], section="finances")
    assert len(finances) == 3  # every change still goes into the history
