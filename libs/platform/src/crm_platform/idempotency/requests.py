"""Idempotency-Key on an HTTP request: the header read and checked, a route's `Idempotent`
that runs the effect once per key, and the replay of a stored answer."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import (
    Table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import SessionDep
from crm_platform.errors import invalid_fields
from crm_platform.idempotency.store import (
    HEADER,
    MAX_KEY_LENGTH,
    IdempotencyStore,
    StoredAnswer,
    fingerprint,
    key_problem,
)

REPLAYED_HEADER = "Idempotent-Replayed"


def _valid_key(value: str | None, required: bool) -> str | None:
    if value is None:
        if required:
            raise key_problem(
                428, "Precondition Required", "this write needs an Idempotency-Key header"
            )
        return None
    key = value.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise invalid_fields(
            [(HEADER, f"1 to {MAX_KEY_LENGTH} printable characters")],
            "header",
            detail="invalid Idempotency-Key",
        )
    return key


class Idempotent:
    """One request's use of the key: `await idem.run(scope, effect, status_code=201)`."""

    def __init__(
        self,
        store: IdempotencyStore,
        session: AsyncSession,
        key: str | None,
        print_: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.session = session
        self.key = key
        self.print_ = print_
        self.clock = clock

    async def run(
        self,
        scope: str | uuid.UUID,
        effect: Callable[[], Awaitable[Any]],
        *,
        status_code: int = 200,
    ) -> Response:
        """Runs `effect` once per key; its result (a pydantic model or JSON-able value) is the
        answer. Replays carry the header Idempotent-Replayed: true."""
        scope_text = str(scope)
        if self.key is not None:
            stored = await self.store.claim(
                self.session, scope_text, self.key, self.print_, self.clock()
            )
            if stored is not None:
                return replay(stored)
        answer = StoredAnswer(status_code, orjson.dumps(jsonable_encoder(await effect())))
        if self.key is not None:
            await self.store.store(self.session, scope_text, self.key, answer)
        return Response(answer.body, answer.status_code, media_type="application/json")


def replay(answer: StoredAnswer) -> Response:
    """A stored answer, marked as replayed."""
    return Response(
        answer.body,
        answer.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


# Declared so the API document names the header; a missing one is 428, not 422.
KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="Makes the write safe to retry: the same key and body replay the first "
        "answer, another body with the key is 409. Required on writes that move money or "
        "classes (428 without it).",
    ),
]


@dataclass(frozen=True)
class RequestKey:
    """A request's Idempotency-Key (None when it sent none) and what makes two requests
    with one key the same request."""

    key: str | None
    print_: str


def request_key_dependency(*, required: bool = True) -> Callable[..., Awaitable[RequestKey]]:
    """A FastAPI dependency reading the key without opening a session, for a route whose
    writes go through a GroupCommit (which claims keys with IdempotencyStore.claim_many)."""

    async def dependency(request: Request, idempotency_key: KeyHeader = None) -> RequestKey:
        body = await request.body()
        return request_key(idempotency_key, request.method, request.url.path, body, required)

    return dependency


def request_key(
    header: str | None, method: str, path: str, body: bytes, required: bool = True
) -> RequestKey:
    """The key a request sent in the Idempotency-Key header, checked, and its fingerprint."""
    return RequestKey(_valid_key(header, required), fingerprint(method, path, body))


def idempotency_dependency(
    table: Table, *, required: bool = True
) -> Callable[..., Awaitable[Idempotent]]:
    """A FastAPI dependency giving the route an `Idempotent` bound to the request's session,
    so the key is claimed in the request's own unit of work. A service declares
    `IdempotencyDep = Annotated[Idempotent, Depends(idempotency_dependency(table))]`.
    """
    store = IdempotencyStore(table)
    read_key = request_key_dependency(required=required)

    async def dependency(
        request: Request, session: SessionDep, idempotency_key: KeyHeader = None
    ) -> Idempotent:
        key = await read_key(request, idempotency_key)
        return Idempotent(store, session, key.key, key.print_)

    return dependency
