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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.context import Context, OrganisationUnknownError
from billing_svc.domain import ledger as rules
from billing_svc.invoices.service import refresh_invoice, refresh_pack_invoices
from billing_svc.ledger import schemas
from billing_svc.ledger.payments_repository import (
    BALANCE_SLOT,
    SEQUENCE_SLOT,
    ClientRow,
    OrgRow,
    Targets,
    allocation_targets,
    organisations,
    orgs_and_clients,
    target,
    write_at_once,
)
from billing_svc.ledger.plan import Dimensions, LedgerWrite, NewEntry
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.models import Invoice, Pack
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import AllocationData, BalanceChanged, PaymentRecorded
from crm_contracts.ids import uuid7
from crm_messaging import Outbox
from crm_platform.clock import Clock, date_in
from crm_platform.db import pg_connection
from crm_platform.errors import NotFoundError, ProblemError, invalid
from crm_platform.idempotency import (
    IdempotencyStore,
    KeyRequest,
    RequestKey,
    SameKeyAs,
    StoredAnswer,
)
from crm_platform.internal_auth import Principal

BATCHES = Counter("billing_payment_batches_total", "Payment batches by how written", ["way"])
AllocationRow = tuple[str, uuid.UUID, int]


@dataclass(frozen=True)
class Paid:
    """A payment's answer: recorded by this request, or replayed from its Idempotency-Key
    (the route answers it; ledger/api.py)."""

    answer: StoredAnswer
    replayed: bool = False


Outcome = Paid | Exception


@dataclass(frozen=True)
class PaymentRequest:
    principal: Principal
    tenant_id: uuid.UUID
    client_id: uuid.UUID
    body: schemas.PaymentCreate
    key: RequestKey
    correlation_id: str | None


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
                answers[n], outcomes[n] = claim, Paid(claim, replayed=True)
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
                outcomes[n] = Paid(item.answer)
        await self.keys.release_many(session, refused_keys)
        if to_write:
            await self._write(session, to_write, now)
        for n, claim in enumerate(claims):
            if isinstance(claim, SameKeyAs):
                outcomes[n] = (
                    Paid(answers[claim.index], replayed=True)
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
        correlation = _correlations(items)
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
                    correlation_id=correlation[(tenant_id, client_id)],
                ),
                client_id,
            )
            for tenant_id, client_id, currency in sorted(
                {(a.org.id, a.client.id, a.org.currency) for a in items}
            )
        ]
        envelopes += [(self._recorded(a), None) for a in items]
        keys = [
            KeyRequest(
                str(a.request.tenant_id), a.request.key.key or "", a.request.key.print_, a.answer
            )
            for a in items
        ]
        plan = LedgerWrite.of([a.entry for a in items], now)
        await write_at_once(pg, self.outbox, plan, keys, envelopes, now)
        return [Paid(a.answer) for a in items]

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
        pairs = {(r.tenant_id, r.client_id) for r in requests}
        orgs, clients, stubbed = await orgs_and_clients(session, pg, pairs)
        targets = await allocation_targets(
            session, (a for r in requests for a in r.body.allocations)
        )
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
                booked_on=body.paid_on or date_in(org.time_zone, now),
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
            orgs = await organisations(session, {t for t, _ in invoices} | {t for t, _ in packs})
            for tenant_id, invoice_id in invoices:
                await refresh_invoice(ctx, orgs[tenant_id], invoice_id)
            for tenant_id, pack_id in packs:
                await refresh_pack_invoices(ctx, orgs[tenant_id], [pack_id])
        currency = {a.org.id: a.org.currency for a in accepted}
        correlation = _correlations(accepted)
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
                correlation_id=correlation[(tenant, client_id)],
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


def _at_once(
    requests: Sequence[PaymentRequest], checked: Sequence[_Accepted | ProblemError]
) -> bool:
    keys = [(r.tenant_id, r.key.key) for r in requests]
    return (
        all(isinstance(c, _Accepted) and not c.allocations for c in checked)
        and all(key is not None for _, key in keys)
        and len(set(keys)) == len(keys)
    )


def _correlations(accepted: Sequence[_Accepted]) -> dict[tuple[uuid.UUID, uuid.UUID], str | None]:
    """The request whose payment a client's balance_changed reports, by (tenant, client):
    the batch's first payment of that client (not whichever request started the batch)."""
    out: dict[tuple[uuid.UUID, uuid.UUID], str | None] = {}
    for a in accepted:
        out.setdefault((a.org.id, a.client.id), a.request.correlation_id)
    return out


def _allocations(request: PaymentRequest, targets: Targets) -> list[AllocationRow]:
    """The payment's allocations, each to a pack or a live invoice of this client or to a
    catalogue service of this organisation; else 422 naming the allocation."""
    out: list[AllocationRow] = []
    for n, item in enumerate(request.body.allocations):
        kind, target_id = target(item)
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
