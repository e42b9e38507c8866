"""The fault run's steady write load through the gateway: payments, each retried with its own
Idempotency-Key until it gets a definite answer, and attendance marks that use (or give
back) a pack's class, each retried as the same PUT. What was accepted is recorded, so the
run can look for every accepted payment in the ledger afterwards."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

OP_DEADLINE_SECONDS = 120.0  # one operation's retries, through a whole fault and back
RETRY_PAUSE_SECONDS = 0.2  # between two tries of one operation (not a synchronisation)
# A try that might have been applied (or not yet) is tried again; these are not definite.
RETRIED = {409, 429, 500, 502, 503, 504}


@dataclass
class Load:
    gateway: httpx.AsyncClient
    owner: dict[str, str]
    clients: list[str]
    cells: list[tuple[str, str]]  # (lesson id, client id)
    max_operations: int
    seed: int = 12
    operations: int = 0
    tries: int = 0
    retried: int = 0
    accepted: dict[tuple[str, int], str] = field(default_factory=dict)  # (client, amount) -> id
    uncertain: set[tuple[str, int]] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    marks: int = 0
    uncertain_marks: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    async def run(self, workers: int, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._worker(stop) for _ in range(workers)))

    async def _worker(self, stop: asyncio.Event) -> None:
        while not stop.is_set() and self.operations < self.max_operations:
            n = self.operations
            self.operations += 1
            if n % 3 == 2:
                await self._mark(n)
            else:
                await self._pay(n)

    async def _pay(self, n: int) -> None:
        client = self._random.choice(self.clients)
        amount = 1_000 + n  # unique per payment: a double shows as two entries of it
        key = uuid.uuid4().hex
        body = {"amount_minor": amount, "method": "cash"}

        async def attempt() -> httpx.Response:
            return await self.gateway.post(
                f"/api/v1/billing/clients/{client}/payments",
                headers=self.owner | {"Idempotency-Key": key},
                json=body,
            )

        response = await self._definite(attempt)
        if response is None:
            self.uncertain.add((client, amount))
        elif response.status_code == 201:
            self.accepted[(client, amount)] = response.json()["id"]
        else:
            self.refused.append(f"payment {response.status_code} {response.text[:200]}")

    async def _mark(self, n: int) -> None:
        lesson, client = self._random.choice(self.cells)
        status = self._random.choice(("attended", "attended", "excused"))

        async def attempt() -> httpx.Response:
            return await self.gateway.put(
                f"/api/v1/journal/lessons/{lesson}/marks/{client}",
                headers=self.owner,
                json={"status": status},
            )

        response = await self._definite(attempt)
        if response is None:
            self.uncertain_marks += 1
        elif response.status_code == 200:
            self.marks += 1
        else:
            self.refused.append(f"mark {response.status_code} {response.text[:200]}")

    async def _definite(
        self, attempt: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response | None:
        """Tries until an answer that is final (None if none came within the deadline)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + OP_DEADLINE_SECONDS
        first = True
        while loop.time() < deadline:
            if not first:
                self.retried += 1
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
            first = False
            self.tries += 1
            try:
                response = await attempt()
            except httpx.HTTPError:
                continue
            if response.status_code not in RETRIED:
                return response
        return None
