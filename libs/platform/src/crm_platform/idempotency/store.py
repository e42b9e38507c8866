"""The idempotency keys' table and the store that claims keys and keeps answers in it,
inside the caller's transaction (see the package's docstring for the protocol)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from alembic import op
from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import UtcDateTime, new_metadata, pg_connection
from crm_platform.errors import ProblemError, invalid_fields

IDEMPOTENCY = "idempotency_keys"
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        IDEMPOTENCY,
        metadata,
        Column("scope", String(64), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("response_body", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )


def create_idempotency_table() -> None:
    """For a service's migration."""
    idempotency_table(new_metadata()).create(op.get_bind())


def drop_idempotency_table() -> None:
    idempotency_table(new_metadata()).drop(op.get_bind())


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request as far as sameness goes: a JSON body is compared by its content, not by
    its spacing or key order."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    digest.update(f"{method.upper()} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def key_problem(status: int, title: str, detail: str) -> ProblemError:
    return invalid_fields([(HEADER, detail)], "header", status=status, detail=detail)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes


@dataclass(frozen=True)
class SameKeyAs:
    """A request of a batch whose key an earlier request of the same batch holds: once
    that one has its answer, this one replays it (as it would one request later)."""

    index: int


Claim = StoredAnswer | ProblemError | SameKeyAs | None


@dataclass(frozen=True)
class KeyRequest:
    """A key to claim; with the answer the claimant will give when the caller knows it
    before writing (then the claim stores it, and no `store` follows)."""

    scope: str
    key: str
    print_: str
    answer: StoredAnswer | None = None


class IdempotencyStore:
    """Claims keys and keeps answers in one service's table, inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(
        self, session: AsyncSession, scope: str, key: str, print_: str, now: datetime
    ) -> StoredAnswer | None:
        """None when this transaction now holds the key; else the answer to replay.

        Raises 409 when the key was used for another request (or its first request has not
        stored an answer, which only happens inside that request's own transaction).
        """
        (claim,) = await self.claim_many(session, [KeyRequest(scope, key, print_)], now)
        if isinstance(claim, ProblemError):
            raise claim
        assert not isinstance(claim, SameKeyAs)
        return claim

    async def claim_many(
        self, session: AsyncSession, requests: Sequence[KeyRequest], now: datetime
    ) -> list[Claim]:
        """One claim per request, in one statement (keys taken in a fixed order, so two
        batches never wait on each other crosswise): None when this transaction now holds
        the key, the stored answer to replay, a 409 to answer, or SameKeyAs for a repeat
        of a key earlier in `requests`."""
        first: dict[tuple[str, str], int] = {}
        for n, request in enumerate(requests):
            first.setdefault((request.scope, request.key), n)
        claims: list[Claim] = [None] * len(requests)
        if not first:
            return claims
        taken = await self._insert_claims(
            session, [requests[n] for _, n in sorted(first.items())], now
        )
        held_before: list[int] = []
        for n, request in enumerate(requests):
            pair = (request.scope, request.key)
            holder = first[pair]
            if pair not in taken:
                held_before.append(n)
            elif holder != n:
                same = requests[holder].print_ == request.print_
                claims[n] = (
                    SameKeyAs(holder) if same else key_problem(409, "Conflict", _OTHER_REQUEST)
                )
        if not held_before:
            return claims
        found = await session.execute(
            select(
                self.table.c.scope,
                self.table.c.key,
                self.table.c.fingerprint,
                self.table.c.status_code,
                self.table.c.response_body,
            ).where(
                self.table.c.scope.in_({requests[n].scope for n in held_before}),
                self.table.c.key.in_({requests[n].key for n in held_before}),
            )
        )
        stored = {(row.scope, row.key): row for row in found}
        for n in held_before:
            row = stored.get((requests[n].scope, requests[n].key))
            if row is None:  # pragma: no cover - the holder rolled back between two statements
                claims[n] = key_problem(409, "Conflict", "this Idempotency-Key is in use; retry")
            elif row.fingerprint != requests[n].print_:
                claims[n] = key_problem(409, "Conflict", _OTHER_REQUEST)
            elif row.status_code is None or row.response_body is None:
                claims[n] = key_problem(
                    409, "Conflict", "a request with this Idempotency-Key is in progress"
                )
            else:
                claims[n] = StoredAnswer(row.status_code, row.response_body)
        return claims

    async def _insert_claims(
        self, session: AsyncSession, requests: Sequence[KeyRequest], now: datetime
    ) -> set[tuple[str, str]]:
        """Inserts a row per request unless its key is held; the (scope, key) pairs taken."""
        pg = await pg_connection(session)
        if pg is not None:
            rows = await pg.fetch(
                _pg_claim(self.table.name),
                [r.scope for r in requests],
                [r.key for r in requests],
                [r.print_ for r in requests],
                [r.answer.status_code if r.answer else None for r in requests],
                [r.answer.body if r.answer else None for r in requests],
                now,
            )
            return {(row["scope"], row["key"]) for row in rows}
        dialect = session.get_bind().dialect.name
        if dialect != "sqlite":  # pragma: no cover - only the two engines above are supported
            raise RuntimeError(f"unsupported database {dialect}")
        inserted = await session.execute(
            sqlite.insert(self.table)
            .on_conflict_do_nothing()
            .returning(self.table.c.scope, self.table.c.key),
            [
                {
                    "scope": r.scope,
                    "key": r.key,
                    "fingerprint": r.print_,
                    "status_code": r.answer.status_code if r.answer else None,
                    "response_body": r.answer.body if r.answer else None,
                    "created_at": now,
                }
                for r in requests
            ],
        )
        return {(row.scope, row.key) for row in inserted}

    async def store(
        self, session: AsyncSession, scope: str, key: str, answer: StoredAnswer
    ) -> None:
        await self.store_many(session, [(scope, key, answer)])

    async def store_many(
        self, session: AsyncSession, answers: Sequence[tuple[str, str, StoredAnswer]]
    ) -> None:
        if not answers:
            return
        await session.execute(
            update(self.table)
            .where(
                self.table.c.scope == bindparam("b_scope"),
                self.table.c.key == bindparam("b_key"),
            )
            .values(status_code=bindparam("b_status"), response_body=bindparam("b_body"))
            .execution_options(synchronize_session=False),
            [
                {"b_scope": s, "b_key": k, "b_status": a.status_code, "b_body": a.body}
                for s, k, a in answers
            ],
        )

    async def release_many(self, session: AsyncSession, keys: Sequence[tuple[str, str]]) -> None:
        """Gives back keys claimed in this transaction by requests that were refused, so
        their retries run again (as a failed request that rolled back leaves no key)."""
        for scope, key in keys:
            await session.execute(
                delete(self.table).where(self.table.c.scope == scope, self.table.c.key == key)
            )

    async def purge(self, session: AsyncSession, before: datetime) -> int:
        """Forget keys older than `before` (a retention job calls this)."""
        result: Any = await session.execute(
            delete(self.table).where(self.table.c.created_at < before)
        )
        return int(result.rowcount or 0)


_OTHER_REQUEST = "this Idempotency-Key was used for a different request"


def pg_claim_sql(table: str, first: int = 1) -> str:
    """PostgreSQL's claim of many keys, their answers known or not: parameters $first to
    $first+4 are the arrays (scope, key, fingerprint, status, body), $first+5 the time;
    returns the (scope, key) pairs taken. A statement of its own, or a CTE of a bigger
    one (a writer that claims in the statement that writes)."""
    return f"""
INSERT INTO {table} (scope, key, fingerprint, status_code, response_body, created_at)
SELECT scope, key, fingerprint, status_code, response_body, ${first + 5}
FROM unnest(${first}::varchar[], ${first + 1}::varchar[], ${first + 2}::varchar[],
            ${first + 3}::int4[], ${first + 4}::bytea[])
    AS r(scope, key, fingerprint, status_code, response_body)
ON CONFLICT DO NOTHING
RETURNING scope, key"""


_pg_claim = functools.cache(pg_claim_sql)
