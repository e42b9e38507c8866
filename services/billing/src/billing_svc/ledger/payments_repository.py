"""The payment writer's queries (ledger/payments.py): what a batch of payments needs, read
for the whole batch, and the one statement that writes the usual batch.

The statement takes the ledger's write from ledger/write_repository.py, the keys' claim from
libs' IdempotencyStore (pg_claim_sql) and the events' insert from libs' Outbox
(pg_insert_sql).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.ledger import schemas
from billing_svc.ledger.plan import LedgerWrite
from billing_svc.ledger.write_repository import LEDGER_PARAMS, ledger_ctes, write_arrays
from billing_svc.models import Client, Invoice, Organisation, Pack, Service, idempotency
from billing_svc.readmodels import ReadModels
from crm_contracts.envelope import EventEnvelope
from crm_messaging import Outbox
from crm_messaging.outbox import encode, pg_insert_sql
from crm_platform.idempotency import KeyRequest, pg_claim_sql


class ClientRow(NamedTuple):
    id: uuid.UUID
    tenant_id: uuid.UUID
    branch_id: uuid.UUID | None


class OrgRow(NamedTuple):
    id: uuid.UUID
    currency: str
    time_zone: str


# The organisation and the client of each payment, in one round trip.
PG_ORGS_AND_CLIENTS = """
SELECT o.id, o.currency, o.time_zone, c.id, c.tenant_id, c.branch_id
FROM unnest($1::uuid[], $2::uuid[]) AS r(tenant_id, client_id)
LEFT JOIN organisations o ON o.id = r.tenant_id
LEFT JOIN clients c ON c.id = r.client_id
"""


async def orgs_and_clients(
    session: AsyncSession, pg: Any, pairs: set[tuple[uuid.UUID, uuid.UUID]]
) -> tuple[dict[uuid.UUID, OrgRow], dict[uuid.UUID, ClientRow], bool]:
    """The organisations and clients of the (tenant, client) pairs, by id; a client billing
    has not heard of yet gets its stub row (ReadModels.clients), and then
    the third value is true."""
    ordered = sorted(pairs)
    if pg is not None:
        found = await pg.fetch(
            PG_ORGS_AND_CLIENTS, [t for t, _ in ordered], [c for _, c in ordered]
        )
        org_rows = [OrgRow(*row[:3]) for row in found if row[0] is not None]
        client_rows = [ClientRow(*row[3:]) for row in found if row[3] is not None]
    else:
        org_rows = [
            OrgRow(*row)
            for row in await session.execute(
                select(Organisation.id, Organisation.currency, Organisation.time_zone).where(
                    Organisation.id.in_({t for t, _ in ordered})
                )
            )
        ]
        client_rows = [
            ClientRow(*row)
            for row in await session.execute(
                select(Client.id, Client.tenant_id, Client.branch_id).where(
                    Client.id.in_({c for _, c in ordered})
                )
            )
        ]
    clients = {c.id: c for c in client_rows}
    unknown = {(tenant, client) for tenant, client in pairs if client not in clients}
    if unknown:
        for c in (await ReadModels(session).clients(unknown)).values():
            clients[c.id] = ClientRow(c.id, c.tenant_id, c.branch_id)
    return {o.id: o for o in org_rows}, clients, bool(unknown)


Targets = dict[str, Mapping[uuid.UUID, Pack | Invoice | Service]]
M = TypeVar("M", Pack, Invoice, Service)


def target(item: schemas.AllocationIn) -> tuple[str, uuid.UUID]:
    """What an allocation pays for: its kind and id."""
    if item.pack_id is not None:
        return "pack", item.pack_id
    if item.invoice_id is not None:
        return "invoice", item.invoice_id
    assert item.service_id is not None
    return "service", item.service_id


async def allocation_targets(
    session: AsyncSession, allocations: Iterable[schemas.AllocationIn]
) -> Targets:
    """The packs, invoices and services the allocations name, by kind and id."""
    ids: dict[str, set[uuid.UUID]] = {"pack": set(), "invoice": set(), "service": set()}
    for item in allocations:
        kind, target_id = target(item)
        ids[kind].add(target_id)
    return {
        "pack": await _by_id(session, Pack, ids["pack"]),
        "invoice": await _by_id(session, Invoice, ids["invoice"]),
        "service": await _by_id(session, Service, ids["service"]),
    }


async def _by_id(session: AsyncSession, model: type[M], ids: set[uuid.UUID]) -> dict[uuid.UUID, M]:
    if not ids:
        return {}
    return {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids)))}


async def organisations(
    session: AsyncSession, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Organisation]:
    return {
        o.id: o for o in await session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }


# Stand for a client's new balance and its sequence in its balance_changed event until the
# statement writing the batch knows them. The statement replaces them as JSON members
# ("balance_minor":<slot>), which no string in the event (a caller's correlation id) can
# spell: inside a JSON string every quote is escaped.
BALANCE_SLOT = -987_654_321_987_654_321
SEQUENCE_SLOT = -123_456_789_123_456_789
BALANCE_MEMBER = f'"balance_minor":{BALANCE_SLOT}'
SEQUENCE_MEMBER = f'"sequence":{SEQUENCE_SLOT}'

CLAIMS = LEDGER_PARAMS + 1  # the keys' five arrays, then the time (also the events')
EVENTS = CLAIMS + 6  # event id, type, tenant, body, client of a balance_changed (else null),
# then the balance's member, the batch's size, the relay's channel and the sequence's member
_EVENT_ROWS = f"""SELECT e.event_id, e.event_type, e.tenant_id,
       CASE WHEN e.client_id IS NULL THEN e.body
            ELSE convert_to(
                replace(replace(convert_from(e.body, 'UTF8'),
                                ${EVENTS + 5}, '"balance_minor":' || b.balance_minor::text),
                        ${EVENTS + 8}, '"sequence":' || b.sequence::text), 'UTF8')
       END,
       ${CLAIMS + 5}
FROM unnest(${EVENTS}::uuid[], ${EVENTS + 1}::varchar[], ${EVENTS + 2}::uuid[],
            ${EVENTS + 3}::bytea[], ${EVENTS + 4}::uuid[])
    WITH ORDINALITY AS e(event_id, event_type, tenant_id, body, client_id, n)
LEFT JOIN balances b ON b.tenant_id = e.tenant_id AND b.client_id = e.client_id
ORDER BY e.n"""
PG_PAY_AT_ONCE = f"""
WITH {ledger_ctes()}, claims AS ({pg_claim_sql(idempotency.name, CLAIMS)}
), events AS (
{pg_insert_sql(_EVENT_ROWS)}
)
SELECT billing_require((SELECT count(*) FROM claims) = ${EVENTS + 6},
                       'an Idempotency-Key of the batch is in use'),
       pg_notify(${EVENTS + 7}, '')
"""


async def write_at_once(
    pg: Any,
    outbox: Outbox,
    plan: LedgerWrite,
    keys: Sequence[KeyRequest],
    events: Sequence[tuple[EventEnvelope, uuid.UUID | None]],
    now: datetime,
) -> None:
    """The batch in one statement that is its own transaction: the plan, the keys with
    their answers, and the events (with the client of a balance_changed, whose slots the
    statement fills). Raises asyncpg's UniqueViolationError, having written nothing, when
    a key is taken."""
    await pg.execute(
        PG_PAY_AT_ONCE,
        *write_arrays(plan),
        [k.scope for k in keys],
        [k.key for k in keys],
        [k.print_ for k in keys],
        [k.answer.status_code if k.answer else None for k in keys],
        [k.answer.body if k.answer else None for k in keys],
        now,
        [e.id for e, _ in events],
        [e.type for e, _ in events],
        [e.tenant_id for e, _ in events],
        [encode(e) for e, _ in events],
        [client for _, client in events],
        BALANCE_MEMBER,
        len(keys),
        outbox.channel,
        SEQUENCE_MEMBER,
    )
    outbox.committed()
