"""Journal benchmark on the real PostgreSQL (wired into `make bench` by tests-e2e/bench/run.py).

An organisation with 2,000 groups and about 1,000,000 marks (journal_world.py) is bulk-loaded
with COPY into a fresh database migrated by the journal's own migrations. The journal app
itself (routing, internal-token check, service, repository, response models) is then driven
in-process:

- journal_p99_ms: p99 of GET /groups/{id}/journal for a 30-client x 13-lesson month
  (target < 25 ms);
- group_figures_ms: median of GET /figures/groups?month=... for the whole organisation's
  month, 2,000 groups (target < 500 ms).

`python tests-e2e/bench/journal.py` runs it alone and prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
import uuid

import httpx
import structlog
from journal_svc.main import create_app
from journal_svc.settings import Settings
from journal_world import MEASURED_CLIENTS, MONTH, TODAY, World, load
from percentiles import percentile

from crm_devrun.catalogue import service
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import fresh_database, internal_headers

JOURNAL_REQUESTS = 400
FIGURES_REQUESTS = 9


async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    return elapsed


async def measure(url: str, world: World) -> dict[str, float]:
    settings = Settings(database_url=url, amqp_url="", db_pool_size=4, log_level="WARNING")
    app = create_app(settings)
    app.state.clock = lambda: TODAY
    owner = Principal(
        tenant_id=world.tenant,
        subject=str(uuid.uuid4()),
        realm="staff",
        role="owner",
        all_branches=True,
    )
    journal = (
        f"/api/v1/journal/groups/{world.measured}/journal"
        "?from_date=2026-03-01&until_date=2026-03-31"
    )
    figures = f"/api/v1/journal/figures/groups?month={MONTH}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://journal") as client:
            headers = internal_headers(owner, "journal")
            first = (await client.get(journal, headers=headers)).json()
            cells = sum(len(row["cells"]) for row in first["rows"])
            if (len(first["rows"]), len(first["lessons"])) != (MEASURED_CLIENTS, 13):
                raise RuntimeError("the measured journal is not 30 clients x 13 lessons")
            for _ in range(50):  # warm-up: connections, statement caches
                await timed(client, journal, headers)
            journal_ms: list[float] = []
            for n in range(JOURNAL_REQUESTS):
                if n % 100 == 0:  # internal tokens live 60 seconds
                    headers = internal_headers(owner, "journal")
                journal_ms.append(await timed(client, journal, headers))
            await timed(client, figures, headers)
            figures_ms = [await timed(client, figures, headers) for _ in range(FIGURES_REQUESTS)]
            groups = len((await client.get(figures, headers=headers)).json()["items"])
    return {
        "journal_p99_ms": round(percentile(journal_ms, 0.99), 2),
        "journal_p50_ms": round(statistics.median(journal_ms), 2),
        "journal_cells": float(cells),
        "group_figures_ms": round(statistics.median(figures_ms), 2),
        "group_figures_max_ms": round(max(figures_ms), 2),
        "group_figures_groups": float(groups),
    }


async def run() -> dict[str, float]:
    """Loads the organisation into a fresh database and measures; the database is dropped."""
    async with fresh_database("bench_journal") as url:
        await upgrade(service("journal").directory, url)
        world = World()
        started = time.perf_counter()
        await load(url, world)
        loaded_s = time.perf_counter() - started
        results = await measure(url, world)
    return results | {
        "journal_marks_loaded": float(world.marks),
        "journal_load_s": round(loaded_s, 1),
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results = asyncio.run(run())
    print(
        json.dumps(results | {"targets": "journal_p99_ms < 25, group_figures_ms < 500"}, indent=2)
    )


if __name__ == "__main__":
    main()
