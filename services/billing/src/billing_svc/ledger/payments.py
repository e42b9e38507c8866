"""Recording payments. Every payment request goes through one writer per process that takes
the payments waiting at that moment together (crm_platform.group_commit): under load many
payments share a transaction and one commit; a lone payment is written at once. Each
payment is still its own ledger entry with its own answer and events, and a payment refused
(unknown client, a bad allocation) is refused alone.

Per batch: the organisations and clients are read, the allocations checked, and each
accepted payment gets its entry and its answer (the entry's id is drawn here). Then, on
PostgreSQL, the usual batch (all accepted, none allocated, a key each) is one statement
that is its own transaction: keys with their answers, ledger rows, figures, balances and
events. Any other batch, or one whose key turns out to be taken, goes the careful way in
one transaction: the keys are claimed with the answers (a retry replays its stored answer,
another body with a used key is 409, a refused payment's key is given back), then the
entries, postings, balances, monthly totals, allocations, invoice states and events are
written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import asyncpg
from fastapi.responses import Response
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.clients import ensure_clients
from billing_svc.context import Clock, Context, OrganisationUnknownError, today_in
from billing_svc.domain import ledger as rules
from billing_svc.invoices.service import refresh_invoice, refresh_pack_invoices
from billing_svc.ledger import schemas
from billing_svc.ledger.plan import Dimensions, LedgerWrite, NewEntry
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.ledger.statements import LEDGER_PARAMS, ledger_ctes, write_arrays
from billing_svc.models import Client, Invoice, Organisation, Pack, Service, idempotency
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import AllocationData, BalanceChanged, PaymentRecorded
from crm_contracts.ids import uuid7
from crm_messaging import Outbox
from crm_messaging.outbox import encode
from crm_messaging.tables import OUTBOX
from crm_platform.db import pg_connection
from crm_platform.errors import NotFoundError, ProblemError, invalid
from crm_platform.idempotency import (
    IdempotencyStore,
    KeyRequest,
    RequestKey,
    SameKeyAs,
    StoredAnswer,
    pg_claim_sql,
    replay,
)
from crm_platform.internal_auth import Principal

Outcome = Response | Exception
BATCHES = Counter("billing_payment_batches_total", "Payment batches by how written", ["way"])
AllocationRow = tuple[str, uuid.UUID, int]


@dataclass(frozen=True)
class PaymentRequest:
    principal: Principal
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    body: schemas.PaymentCreate
    key: RequestKey
    correlation_id: str | None


class ClientRow(NamedTuple):
    id: uuid.UUID
    tenant_id: uuid.UUID
    branch_id: uuid.UUID | None


class OrgRow(NamedTuple):
    id: uuid.UUID
    currency: str
    time_zone: str


@dataclass(frozen=True)
class _Accepted:
    index: int
    request: PaymentRequest
    org: OrgRow
    client: ClientRow
    allocations: list[AllocationRow]
    entry: NewEntry
    answer: StoredAnswer


class PaymentWriter:
    """`GroupCommit`'s writer for payments."""

    def __init__(self, outbox: Outbox, clock: Clock, keys: IdempotencyStore) -> None:
        self.outbox = outbox
        self.clock = clock
        self.keys = keys

    async def __call__(
        self, session: AsyncSession, requests: Sequence[PaymentRequest]
    ) -> list[Outcome]:
        """Checks every payment, claims the keys with the answers (known before writing:
        the entries' ids are drawn here), then writes what was accepted and claimed."""
        now = self.clock()
        outcomes: list[Outcome | None] = [None] * len(requests)
        pg = await pg_connection(session, begin=False)  # reads need no transaction yet
        checked, stubbed = await self._check(session, pg, requests, now)
        if pg is not None and not stubbed and _at_once(requests, checked):
            try:
                answered = await self._write_at_once(pg, checked, now)
            except asyncpg.UniqueViolationError:
                pass  # a key of the batch is in use: answered the careful way below
            else:
                BATCHES.labels("at_once").inc()
                return answered
        BATCHES.labels("careful").inc()
        claims = await self._claim(session, requests, checked, now)
        answers: dict[int, StoredAnswer] = {}
        to_write: list[_Accepted] = []
        refused_keys: list[tuple[str, str]] = []
        for n, (item, claim) in enumerate(zip(checked, claims, strict=True)):
            if isinstance(claim, StoredAnswer):
                answers[n], outcomes[n] = claim, replay(claim)
            elif isinstance(claim, ProblemError):
                outcomes[n] = claim
            elif isinstance(claim, SameKeyAs):
                continue
            elif isinstance(item, ProblemError):
                outcomes[n] = item
                key = requests[n].key.key
                if key is not None:
                    refused_keys.append((str(requests[n].tenant_id), key))
            else:
                to_write.append(item)
                answers[n] = item.answer
                outcomes[n] = Response(
                    item.answer.body, item.answer.status_code, media_type="application/json"
                )
        await self.keys.release_many(session, refused_keys)
        if to_write:
            await self._write(session, to_write, now)
        for n, claim in enumerate(claims):
            if isinstance(claim, SameKeyAs):
                outcomes[n] = (
                    replay(answers[claim.index])
                    if claim.index in answers
                    else outcomes[claim.index]
                )
        assert all(o is not None for o in outcomes)
        return [o for o in outcomes if o is not None]

    async def _claim(
        self,
        session: AsyncSession,
        requests: Sequence[PaymentRequest],
        checked: Sequence[_Accepted | ProblemError],
        now: datetime,
    ) -> list[StoredAnswer | ProblemError | SameKeyAs | None]:
        keyed = [n for n, r in enumerate(requests) if r.key.key is not None]
        claims = await self.keys.claim_many(
            session,
            [
                KeyRequest(
                    str(requests[n].tenant_id),
                    requests[n].key.key or "",
                    requests[n].key.print_,
                    answer=item.answer if isinstance(item, _Accepted) else None,
                )
                for n in keyed
                for item in (checked[n],)
            ],
            now,
        )
        out: list[StoredAnswer | ProblemError | SameKeyAs | None] = [None] * len(requests)
        for n, claim in zip(keyed, claims, strict=True):
            out[n] = SameKeyAs(keyed[claim.index]) if isinstance(claim, SameKeyAs) else claim
        return out

    async def _write_at_once(
        self, pg: Any, accepted: Sequence[_Accepted | ProblemError], now: datetime
    ) -> list[Outcome]:
        """The usual batch (every payment accepted, none allocated, each with a key of its
        own) as one statement, which is its own transaction: keys with their answers,
        entries, postings, figures, balances and events. The new balances and their
        sequences go into the balance_changed events inside the statement; should any key
        be taken, the statement undoes itself (UniqueViolationError)."""
        items = [a for a in accepted if isinstance(a, _Accepted)]
        plan = LedgerWrite.of([a.entry for a in items], now)
        envelopes: list[tuple[EventEnvelope, uuid.UUID | None]] = [
            (
                self.outbox.envelope(
                    BalanceChanged(
                        client_id=client_id,
                        balance_minor=BALANCE_SLOT,
                        currency=currency,
                        sequence=SEQUENCE_SLOT,
                    ),
                    tenant_id=tenant_id,
                    subject=client_id,
                ),
                client_id,
            )
            for tenant_id, client_id, currency in sorted(
                {(a.org.id, a.client.id, a.org.currency) for a in items}
            )
        ]
        envelopes += [(self._recorded(a), None) for a in items]
        await pg.execute(
            PG_PAY_AT_ONCE,
            *write_arrays(plan),
            [str(a.request.tenant_id) for a in items],
            [a.request.key.key for a in items],
            [a.request.key.print_ for a in items],
            [a.answer.status_code for a in items],
            [a.answer.body for a in items],
            now,
            [e.id for e, _ in envelopes],
            [e.type for e, _ in envelopes],
            [e.tenant_id for e, _ in envelopes],
            [encode(e) for e, _ in envelopes],
            [client for _, client in envelopes],
            str(BALANCE_SLOT),
            len(items),
            self.outbox.channel,
            str(SEQUENCE_SLOT),
        )
        self.outbox.committed()
        return [
            Response(a.answer.body, a.answer.status_code, media_type="application/json")
            for a in items
        ]

    def _recorded(self, a: _Accepted) -> EventEnvelope:
        entry = a.entry
        return self.outbox.envelope(
            PaymentRecorded(
                entry_id=entry.id,
                client_id=a.client.id,
                amount_minor=entry.amount_minor,
                currency=a.org.currency,
                method=a.request.body.method,
                paid_on=entry.booked_on,
                comment=entry.comment,
                allocations=[
                    AllocationData(target=kind, target_id=target_id, amount_minor=amount)
                    for kind, target_id, amount in a.allocations
                ],
            ),
            tenant_id=a.org.id,
            subject=entry.id,
            correlation_id=a.request.correlation_id,
        )

    async def _check(
        self, session: AsyncSession, pg: Any, requests: Sequence[PaymentRequest], now: datetime
    ) -> tuple[list[_Accepted | ProblemError], bool]:
        """What each payment needs, read for the whole batch: its organisation, its client
        (of that organisation) and the targets of its allocations (of that client); then
        its entry and its answer. Also whether stubs of unknown clients were written."""
        orgs, clients, stubbed = await _orgs_and_clients(session, pg, requests)
        targets = await _allocation_targets(session, requests)
        out: list[_Accepted | ProblemError] = []
        for n, request in enumerate(requests):
            org = orgs.get(request.tenant_id)
            client = clients.get(request.client_id)
            if org is None:
                out.append(OrganisationUnknownError())
                continue
            if client is None or client.tenant_id != request.tenant_id:
                out.append(NotFoundError("client"))
                continue
            try:
                rows = _allocations(request, targets)
            except ProblemError as refused:
                out.append(refused)
                continue
            body = request.body
            entry = NewEntry(
                id=uuid7(),
                tenant_id=org.id,
                kind="payment",
                postings=rules.payment(client.id, body.method, body.amount_minor),
                booked_on=body.paid_on or today_in(org.time_zone, now),
                by=request.principal.subject,
                client_id=client.id,
                dims=Dimensions(branch_id=client.branch_id),
                method=body.method,
                amount_minor=body.amount_minor,
                comment=body.comment,
            )
            answer = StoredAnswer(201, _entry_json(entry.row(now), org.currency, rows))
            out.append(_Accepted(n, request, org, client, rows, entry, answer))
        return out, stubbed

    async def _write(self, session: AsyncSession, accepted: list[_Accepted], now: datetime) -> None:
        repo = LedgerRepository(session)
        _, balances = await repo.post_many([a.entry for a in accepted], now)
        await repo.add_allocations_many(
            [
                (a.org.id, a.entry.id, target, target_id, amount)
                for a in accepted
                for target, target_id, amount in a.allocations
            ]
        )
        invoices = sorted(
            {(a.org.id, t) for a in accepted for kind, t, _ in a.allocations if kind == "invoice"}
        )
        packs = sorted(
            {(a.org.id, t) for a in accepted for kind, t, _ in a.allocations if kind == "pack"}
        )
        if invoices or packs:
            ctx = Context(session, self.outbox, self.clock)
            organisations = {
                o.id: o
                for o in await session.scalars(
                    select(Organisation).where(
                        Organisation.id.in_({t for t, _ in invoices} | {t for t, _ in packs})
                    )
                )
            }
            for tenant_id, invoice_id in invoices:
                await refresh_invoice(ctx, organisations[tenant_id], invoice_id)
            for tenant_id, pack_id in packs:
                await refresh_pack_invoices(ctx, organisations[tenant_id], [pack_id])
        currency = {a.org.id: a.org.currency for a in accepted}
        envelopes: list[EventEnvelope] = [
            self.outbox.envelope(
                BalanceChanged(
                    client_id=client_id,
                    balance_minor=balance.minor,
                    currency=currency[tenant],
                    sequence=balance.sequence,
                ),
                tenant_id=tenant,
                subject=client_id,
            )
            for (tenant, client_id), balance in sorted(balances.items())
        ]
        envelopes += [self._recorded(a) for a in accepted]
        await self.outbox.add(session, envelopes)


def _entry_json(row: dict[str, Any], currency: str, allocations: list[AllocationRow]) -> bytes:
    read = schemas.EntryRead.model_validate(
        row
        | {
            "currency": currency,
            "cancelled": False,
            "cancelled_by": None,
            "allocations": [
                {"target": kind, "target_id": target_id, "amount_minor": amount}
                for kind, target_id, amount in allocations
            ],
        }
    )
    return read.model_dump_json().encode()


# The organisation and the client of each payment, in one round trip.
PG_ORGS_AND_CLIENTS = """
SELECT o.id, o.currency, o.time_zone, c.id, c.tenant_id, c.branch_id
FROM unnest($1::uuid[], $2::uuid[]) AS r(tenant_id, client_id)
LEFT JOIN organisations o ON o.id = r.tenant_id
LEFT JOIN clients c ON c.id = r.client_id
"""


async def _orgs_and_clients(
    session: AsyncSession, pg: Any, requests: Sequence[PaymentRequest]
) -> tuple[dict[uuid.UUID, OrgRow], dict[uuid.UUID, ClientRow], bool]:
    """The organisations and clients of the payments, by id; a client billing has not
    heard of yet gets its stub row (billing_svc.clients.ensure_clients), and then the
    third value is true."""
    pairs = sorted({(r.tenant_id, r.client_id) for r in requests})
    if pg is not None:
        found = await pg.fetch(PG_ORGS_AND_CLIENTS, [t for t, _ in pairs], [c for _, c in pairs])
        org_rows = [OrgRow(*row[:3]) for row in found if row[0] is not None]
        client_rows = [ClientRow(*row[3:]) for row in found if row[3] is not None]
    else:
        org_rows = [
            OrgRow(*row)
            for row in await session.execute(
                select(Organisation.id, Organisation.currency, Organisation.time_zone).where(
                    Organisation.id.in_({t for t, _ in pairs})
                )
            )
        ]
        client_rows = [
            ClientRow(*row)
            for row in await session.execute(
                select(Client.id, Client.tenant_id, Client.branch_id).where(
                    Client.id.in_({c for _, c in pairs})
                )
            )
        ]
    clients = {c.id: c for c in client_rows}
    unknown = {(r.tenant_id, r.client_id) for r in requests if r.client_id not in clients}
    if unknown:
        for c in (await ensure_clients(session, unknown)).values():
            clients[c.id] = ClientRow(c.id, c.tenant_id, c.branch_id)
    return {o.id: o for o in org_rows}, clients, bool(unknown)


def _at_once(
    requests: Sequence[PaymentRequest], checked: Sequence[_Accepted | ProblemError]
) -> bool:
    keys = [(r.tenant_id, r.key.key) for r in requests]
    return (
        all(isinstance(c, _Accepted) and not c.allocations for c in checked)
        and all(key is not None for _, key in keys)
        and len(set(keys)) == len(keys)
    )


# Stand for a client's new balance and its sequence in its balance_changed event until the
# statement writing the batch knows them (no other part of that event can spell these
# numbers, and neither is part of the other).
BALANCE_SLOT = -987_654_321_987_654_321
SEQUENCE_SLOT = -123_456_789_123_456_789

CLAIMS = LEDGER_PARAMS + 1  # the keys' five arrays, then the time (also the events')
EVENTS = CLAIMS + 6  # event id, type, tenant, body, client of a balance_changed (else null),
# then the balance's slot, the batch's size, the relay's channel and the sequence's slot
PG_PAY_AT_ONCE = f"""
WITH {ledger_ctes()}, claims AS ({pg_claim_sql(idempotency.name, CLAIMS)}
), events AS (
    INSERT INTO {OUTBOX} (event_id, event_type, tenant_id, body, created_at)
    SELECT e.event_id, e.event_type, e.tenant_id,
           CASE WHEN e.client_id IS NULL THEN e.body
                ELSE convert_to(replace(replace(convert_from(e.body, 'UTF8'),
                                                ${EVENTS + 5}, b.balance_minor::text),
                                        ${EVENTS + 8}, b.sequence::text), 'UTF8')
           END,
           ${CLAIMS + 5}
    FROM unnest(${EVENTS}::uuid[], ${EVENTS + 1}::varchar[], ${EVENTS + 2}::uuid[],
                ${EVENTS + 3}::bytea[], ${EVENTS + 4}::uuid[])
        WITH ORDINALITY AS e(event_id, event_type, tenant_id, body, client_id, n)
    LEFT JOIN balances b ON b.tenant_id = e.tenant_id AND b.client_id = e.client_id
    ORDER BY e.n
)
SELECT billing_require((SELECT count(*) FROM claims) = ${EVENTS + 6},
                       'an Idempotency-Key of the batch is in use'),
       pg_notify(${EVENTS + 7}, '')
"""


Targets = dict[str, Mapping[uuid.UUID, Pack | Invoice | Service]]
M = TypeVar("M", Pack, Invoice, Service)


async def _allocation_targets(session: AsyncSession, requests: Sequence[PaymentRequest]) -> Targets:
    ids: dict[str, set[uuid.UUID]] = {"pack": set(), "invoice": set(), "service": set()}
    for request in requests:
        for item in request.body.allocations:
            kind, target = _target(item)
            ids[kind].add(target)
    return {
        "pack": await _by_id(session, Pack, ids["pack"]),
        "invoice": await _by_id(session, Invoice, ids["invoice"]),
        "service": await _by_id(session, Service, ids["service"]),
    }


async def _by_id(session: AsyncSession, model: type[M], ids: set[uuid.UUID]) -> dict[uuid.UUID, M]:
    if not ids:
        return {}
    return {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids)))}


def _target(item: schemas.AllocationIn) -> tuple[str, uuid.UUID]:
    if item.pack_id is not None:
        return "pack", item.pack_id
    if item.invoice_id is not None:
        return "invoice", item.invoice_id
    assert item.service_id is not None
    return "service", item.service_id


def _allocations(request: PaymentRequest, targets: Targets) -> list[AllocationRow]:
    """The payment's allocations, each to a pack or a live invoice of this client or to a
    catalogue service of this organisation; else 422 naming the allocation."""
    out: list[AllocationRow] = []
    for n, item in enumerate(request.body.allocations):
        kind, target_id = _target(item)
        row = targets[kind].get(target_id)
        ok = row is not None and row.tenant_id == request.tenant_id
        if isinstance(row, Pack | Invoice):
            ok = ok and row.client_id == request.client_id
        if isinstance(row, Invoice):
            ok = ok and row.status != "void"
        if not ok:
            raise invalid(
                f"allocations.{n}", "no such pack, open invoice or service of this client"
            )
        out.append((kind, target_id, item.amount_minor))
    return out
