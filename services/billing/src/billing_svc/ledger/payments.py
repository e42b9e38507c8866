"""Recording payments. Every payment request goes through one writer per process that takes
the payments waiting at that moment together (crm_platform.group_commit): under load many
payments share a transaction, one statement per table and one commit; a lone payment is
written at once. Each payment is still its own ledger entry with its own answer, and a
payment refused (unknown client, a bad allocation) is refused alone.

Per batch, in one transaction: the Idempotency-Keys are claimed (a retry replays its stored
answer, another body with a used key is 409), the organisations and clients are read, the
allocations checked, then the entries, postings, balances, monthly totals, allocations,
invoice states, outbox events and stored answers are written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import orjson
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.clients import ensure_clients
from billing_svc.context import Clock, Context, OrganisationUnknownError
from billing_svc.domain import ledger as rules
from billing_svc.invoices.service import refresh_invoice
from billing_svc.ledger import schemas
from billing_svc.ledger.repository import Dimensions, LedgerRepository, NewEntry
from billing_svc.ledger.service import entry_read
from billing_svc.models import Client, Entry, Invoice, Organisation, Pack, Service
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import AllocationData, BalanceChanged, PaymentRecorded
from crm_contracts.ids import uuid7
from crm_messaging import Outbox
from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.idempotency import (
    IdempotencyStore,
    KeyRequest,
    RequestKey,
    SameKeyAs,
    StoredAnswer,
    replay,
)
from crm_platform.internal_auth import Principal

Outcome = Response | Exception
AllocationRow = tuple[str, uuid.UUID, int]


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
    org: Organisation
    client: Client
    allocations: list[AllocationRow]


class PaymentWriter:
    """`GroupCommit`'s writer for payments."""

    def __init__(self, outbox: Outbox, clock: Clock, keys: IdempotencyStore) -> None:
        self.outbox = outbox
        self.clock = clock
        self.keys = keys

    async def __call__(
        self, session: AsyncSession, requests: Sequence[PaymentRequest]
    ) -> list[Outcome]:
        now = self.clock()
        outcomes: list[Outcome | None] = [None] * len(requests)
        answers: dict[int, StoredAnswer] = {}
        claims = await self._claim(session, requests, now)
        todo: list[int] = []
        for n, claim in enumerate(claims):
            if isinstance(claim, StoredAnswer):
                answers[n], outcomes[n] = claim, replay(claim)
            elif isinstance(claim, ProblemError):
                outcomes[n] = claim
            elif claim is None:
                todo.append(n)
        accepted: list[_Accepted] = []
        refused_keys: list[tuple[str, str]] = []
        for n, checked in zip(todo, await self._check(session, requests, todo), strict=True):
            if isinstance(checked, ProblemError):
                outcomes[n] = checked
                key = requests[n].key.key
                if key is not None:
                    refused_keys.append((str(requests[n].tenant_id), key))
            else:
                accepted.append(checked)
        await self.keys.release_many(session, refused_keys)
        if accepted:
            for n, answer in (await self._write(session, accepted, now)).items():
                answers[n] = answer
                outcomes[n] = Response(
                    answer.body, answer.status_code, media_type="application/json"
                )
            await self.keys.store_many(
                session,
                [
                    (str(a.request.tenant_id), a.request.key.key, answers[a.index])
                    for a in accepted
                    if a.request.key.key is not None
                ],
            )
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
        self, session: AsyncSession, requests: Sequence[PaymentRequest], now: datetime
    ) -> list[StoredAnswer | ProblemError | SameKeyAs | None]:
        keyed = [n for n, r in enumerate(requests) if r.key.key is not None]
        claims = await self.keys.claim_many(
            session,
            [
                KeyRequest(
                    str(requests[n].tenant_id), requests[n].key.key or "", requests[n].key.print_
                )
                for n in keyed
            ],
            now,
        )
        out: list[StoredAnswer | ProblemError | SameKeyAs | None] = [None] * len(requests)
        for n, claim in zip(keyed, claims, strict=True):
            out[n] = SameKeyAs(keyed[claim.index]) if isinstance(claim, SameKeyAs) else claim
        return out

    async def _check(
        self, session: AsyncSession, requests: Sequence[PaymentRequest], todo: list[int]
    ) -> list[_Accepted | ProblemError]:
        """What each payment needs, read for the whole batch: its organisation, its client
        (of that organisation) and the targets of its allocations (of that client)."""
        if not todo:
            return []
        wanted = [requests[n] for n in todo]
        tenants = {r.tenant_id for r in wanted}
        orgs = {
            o.id: o
            for o in await session.scalars(select(Organisation).where(Organisation.id.in_(tenants)))
        }
        clients = await ensure_clients(session, {(r.tenant_id, r.client_id) for r in wanted})
        targets = await _allocation_targets(session, wanted)
        out: list[_Accepted | ProblemError] = []
        for n, request in zip(todo, wanted, strict=True):
            org = orgs.get(request.tenant_id)
            client = clients.get(request.client_id)
            if org is None:
                out.append(OrganisationUnknownError())
            elif client is None:
                out.append(NotFoundError("client"))
            else:
                try:
                    rows = _allocations(request, targets)
                except ProblemError as refused:
                    out.append(refused)
                else:
                    out.append(_Accepted(n, request, org, client, rows))
        return out

    async def _write(
        self, session: AsyncSession, accepted: list[_Accepted], now: datetime
    ) -> dict[int, StoredAnswer]:
        ctx = Context(session, self.outbox, self.clock)
        repo = LedgerRepository(session)
        entries = [
            NewEntry(
                id=uuid7(),
                tenant_id=a.org.id,
                kind="payment",
                postings=rules.payment(
                    a.client.id, a.request.body.method, a.request.body.amount_minor
                ),
                booked_on=body.paid_on or ctx.today_in(a.org),
                by=a.request.principal.subject,
                client_id=a.client.id,
                dims=Dimensions(branch_id=a.client.branch_id),
                method=body.method,
                amount_minor=body.amount_minor,
                comment=body.comment,
            )
            for a in accepted
            for body in (a.request.body,)
        ]
        written, balances = await repo.post_many(entries, now)
        await repo.add_allocations_many(
            [
                (a.org.id, entry.id, target, target_id, amount)
                for a, entry in zip(accepted, written, strict=True)
                for target, target_id, amount in a.allocations
            ]
        )
        invoices = sorted(
            {(a.org.id, t) for a in accepted for kind, t, _ in a.allocations if kind == "invoice"}
        )
        orgs = {a.org.id: a.org for a in accepted}
        for tenant_id, invoice_id in invoices:
            await refresh_invoice(ctx, orgs[tenant_id], invoice_id)
        envelopes: list[EventEnvelope] = [
            self.outbox.envelope(
                BalanceChanged(
                    client_id=client_id, balance_minor=balance, currency=orgs[tenant].currency
                ),
                tenant_id=tenant,
                subject=client_id,
            )
            for (tenant, client_id), balance in sorted(balances.items())
        ]
        answers: dict[int, StoredAnswer] = {}
        for a, entry in zip(accepted, written, strict=True):
            allocations = [
                AllocationData(target=kind, target_id=target_id, amount_minor=amount)
                for kind, target_id, amount in a.allocations
            ]
            envelopes.append(
                self.outbox.envelope(
                    PaymentRecorded(
                        entry_id=entry.id,
                        client_id=a.client.id,
                        amount_minor=entry.amount_minor,
                        currency=a.org.currency,
                        method=a.request.body.method,
                        paid_on=entry.booked_on,
                        comment=entry.comment,
                        allocations=allocations,
                    ),
                    tenant_id=a.org.id,
                    subject=entry.id,
                    correlation_id=a.request.correlation_id,
                )
            )
            answers[a.index] = StoredAnswer(201, _entry_json(entry, a))
        await self.outbox.add(session, envelopes)
        return answers


def _entry_json(entry: Entry, accepted: _Accepted) -> bytes:
    allocations = [
        schemas.AllocationRead.model_validate(
            {"target": kind, "target_id": target_id, "amount_minor": amount}
        )
        for kind, target_id, amount in accepted.allocations
    ]
    read = entry_read(entry, accepted.org.currency, None).model_copy(
        update={"allocations": allocations}
    )
    return orjson.dumps(read.model_dump(mode="json"))


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
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"invalid fields: allocations.{n}",
                errors=[
                    {
                        "field": f"allocations.{n}",
                        "in": "body",
                        "message": "no such pack, open invoice or service of this client",
                    }
                ],
            )
        out.append((kind, target_id, item.amount_minor))
    return out
