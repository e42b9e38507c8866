"""Clients benchmark on the real PostgreSQL: search latency and a 10,000-row CSV import.

A fresh database with the clients migrations gets 300,000 cards in five organisations
(100,000 in the measured one) by COPY, with tags and group memberships on some of them.
The real clients app is then driven over HTTP (in process, through ASGI, with the gateway's
internal token):

- client_search_p99_ms: p99 of a mix of searches as the front desk types them (name parts,
  phone numbers in any format, email parts) with status, tag and group filters, as the
  owner and as an admin of one branch, first page of 50.
- client_import_10k_s: one all-or-nothing import of a 10,000-row CSV into that organisation.

Run alone with `python tests-e2e/bench/clients.py`; `run()` is what `make bench` calls.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import logging
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import structlog
from clients_svc.domain.text import search_text
from clients_svc.main import create_app
from clients_svc.settings import Settings
from percentiles import percentile

from crm_contracts.ids import uuid7
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import fresh_database, internal_headers

SERVICE_DIR = Path(__file__).resolve().parents[2] / "services" / "clients"
MEASURED_CLIENTS = 100_000
OTHER_CLIENTS = 200_000
OTHER_TENANTS = 4
BRANCHES = 5
GROUPS = 200
SEARCHES = 400
WARMUP = 60
IMPORT_ROWS = 10_000


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Anna Zofia Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Magdalena "
    "Joanna Aleksandra Monika Julia Natalia Olga Irina Tatiana Svetlana Jan Piotr Krzysztof "
    "Andrzej Tomasz Paweł Michał Marcin Jakub Adam Łukasz Mateusz Dmitry Sergey Ivan Alexey "
    "Nikolai Oleg Yuri Igor Marek Wojciech Kamil Bartosz Szymon Filip Antoni Leon Ignacy "
    "Hanna Lena Maja Zuzanna Oliwia Amelia Laura Pola Nina Ida Iga"
)
LAST_STEMS = _words(
    "Nowak Kowal Wiśniew Wójcik Kowalczyk Kamiń Lewandow Zieliń Szymań Woźniak Dąbrow Kozłow "
    "Jankow Mazur Kwiatkow Krawczyk Piotrow Grabow Nowakow Pawłow Michalsk Nowick Adamczyk "
    "Dudek Zając Wieczorek Jabłoń Król Majewsk Olszewsk Jaworsk Wróbel Malinow Pawlak "
    "Witkowsk Walczak Stępień Górsk Rutkowsk Michalak Sikora Ostrowsk Baran Duda Szewczyk "
    "Tomaszewsk Pietrzak Marciniak Wróblewsk Zalewsk Jakubowsk Jasińsk Zawadzk Sadowsk Bąk "
    "Chmielewsk Włodarczyk Borkowsk Czarneck Sawick Sokołowsk Urbańsk Kubiak Maciejewsk "
    "Szczepańsk Kucharsk Wilk Kalinowsk Lis Mazurek Wysock Adamsk Kaźmiercz Smirnov Ivanov "
    "Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov"
)
SUFFIXES = ("", "a", "i", "ska", "ski", "owa", "icz", "enko")
SEARCH_TERMS = (
    "anna",
    "kowal",
    "nowak",
    "zof",
    "wiś",
    "olga",
    "smirn",
    "piotr",
    "maz",
    "kraw",
    "jan kow",
    "mar",
    "ewa lis",
    "dud",
    "igor",
    "wró",
    "łuk",
    "sik",
    "zal",
    "pawł",
)


def fake_name(rng: random.Random) -> tuple[str, str]:
    stem = rng.choice(LAST_STEMS)
    return rng.choice(FIRST), stem + rng.choice(SUFFIXES)


def fake_phone(rng: random.Random) -> str:
    return f"+48{rng.choice('5678')}{rng.randrange(10**8):08d}"


async def load(
    url: str,
    tenant: uuid.UUID,
    branches: list[uuid.UUID],
    groups: list[uuid.UUID],
    rng: random.Random,
) -> dict[str, Any]:
    """300,000 cards by COPY; tags and memberships on some of the measured organisation's."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        now = datetime.now(UTC)
        tenants = [tenant] * MEASURED_CLIENTS
        for _ in range(OTHER_TENANTS):
            tenants += [uuid.uuid4()] * (OTHER_CLIENTS // OTHER_TENANTS)
        await conn.executemany(
            "INSERT INTO organisations (id, plan, time_zone) VALUES ($1, 'pro', 'Europe/Warsaw')",
            [(t,) for t in {*tenants}],
        )
        rows = []
        measured_ids: list[uuid.UUID] = []
        for i, tenant_id in enumerate(tenants):
            first, last = fake_name(rng)
            phone = fake_phone(rng)
            email = f"{first.lower()}.{i}@example.com" if i % 3 == 0 else None
            client_id = uuid7()
            if tenant_id == tenant:
                measured_ids.append(client_id)
            status = "frozen" if i % 50 == 0 else ("archived" if i % 20 == 0 else "active")
            rows.append(
                (
                    client_id,
                    tenant_id,
                    first,
                    last,
                    search_text(first, last, email),
                    phone,
                    phone[1:],
                    email,
                    False,
                    None,
                    None,
                    rng.choice(branches),
                    None,
                    "{}",
                    status,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    1,
                    now,
                    now,
                )
            )
        columns = [
            "id",
            "tenant_id",
            "first_name",
            "last_name",
            "search_name",
            "phone",
            "phone_digits",
            "email",
            "email_confirmed",
            "email_token_hash",
            "email_token_expires_at",
            "branch_id",
            "birthday",
            "custom_fields",
            "status",
            "note",
            "lead_source",
            "frozen_from",
            "frozen_until",
            "freeze_reason",
            "archived_at",
            "family_id",
            "balance_minor",
            "balance_currency",
            "version",
            "created_at",
            "updated_at",
        ]
        await conn.copy_records_to_table("clients", records=rows, columns=columns)
        tags = [uuid.uuid4() for _ in range(20)]
        await conn.executemany(
            "INSERT INTO tags (id, tenant_id, name, name_key, created_at) "
            "VALUES ($1, $2, $3, $3, now())",
            [(t, tenant, f"tag{n}") for n, t in enumerate(tags)],
        )
        tagged = [(c, rng.choice(tags)) for c in rng.sample(measured_ids, 40_000)]
        await conn.copy_records_to_table(
            "client_tags", records=list(dict.fromkeys(tagged)), columns=["client_id", "tag_id"]
        )
        await conn.execute(
            "UPDATE clients c SET tag_ids = t.ids FROM (SELECT client_id, array_agg(tag_id) "
            "AS ids FROM client_tags GROUP BY client_id) t WHERE c.id = t.client_id"
        )
        group_branch = {g: rng.choice(branches) for g in groups}
        memberships = [
            (uuid.uuid4(), tenant, c, g, group_branch[g], date(2026, 1, 1), None)
            for c in rng.sample(measured_ids, 30_000)
            for g in [rng.choice(groups)]
        ]
        await conn.copy_records_to_table(
            "memberships",
            records=memberships,
            columns=[
                "enrolment_id",
                "tenant_id",
                "client_id",
                "group_id",
                "branch_id",
                "from_date",
                "until_date",
            ],
        )
        await conn.execute("ANALYZE")
        return {"tags": tags, "phones": [r[5] for r in rows[:MEASURED_CLIENTS:997]]}
    finally:
        await conn.close()


def search_params(
    rng: random.Random, known: dict[str, Any], groups: list[uuid.UUID]
) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.45:
        params: dict[str, Any] = {"q": rng.choice(SEARCH_TERMS)}
    elif kind < 0.65:
        phone = rng.choice(known["phones"])
        typed = rng.choice([phone, phone[3:], f"{phone[3:6]} {phone[6:9]}", phone[-6:]])
        params = {"q": typed}
    elif kind < 0.75:
        params = {"q": f"{rng.choice(FIRST).lower()}.{rng.randrange(MEASURED_CLIENTS)}@"}
    elif kind < 0.85:
        params = {"tag_id": str(rng.choice(known["tags"])), "q": rng.choice(SEARCH_TERMS)}
    elif kind < 0.92:
        params = {"group_id": str(rng.choice(groups))}
    else:
        params = {"status": rng.choice(["frozen", "archived"]), "q": rng.choice(SEARCH_TERMS)}
    return params


def import_csv(rng: random.Random) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Imię", "Nazwisko", "Telefon", "E-mail", "Urodziny", "Tagi"])
    for i in range(IMPORT_ROWS):
        first, last = fake_name(rng)
        phone = f"6{rng.randrange(10**8):08d}"
        birthday = (date(2010, 1, 1) + timedelta(days=rng.randrange(3000))).strftime("%d.%m.%Y")
        email = f"import.{i}@example.com" if i % 2 else ""
        writer.writerow(
            [
                first,
                last,
                f"{phone[:3]} {phone[3:6]} {phone[6:]}",
                email,
                birthday,
                rng.choice(["", "piano", "guitar, kids", "dance"]),
            ]
        )
    return base64.b64encode(out.getvalue().encode()).decode()


async def run() -> dict[str, float]:
    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    rng = random.Random(20261123)
    tenant = uuid.uuid4()
    branches = [uuid.uuid4() for _ in range(BRANCHES)]
    groups = [uuid.uuid4() for _ in range(GROUPS)]
    async with fresh_database("bench_clients") as url:
        await upgrade(SERVICE_DIR, url)
        known = await load(url, tenant, branches, groups, rng)
        settings = Settings(database_url=url, amqp_url="", db_pool_size=5, log_level="WARNING")
        app = create_app(settings)
        owner = Principal(
            tenant_id=tenant,
            subject=str(uuid.uuid4()),
            realm="staff",
            role="owner",
            all_branches=True,
        )
        admin = Principal(
            tenant_id=tenant,
            subject=str(uuid.uuid4()),
            realm="staff",
            role="admin",
            branch_ids=frozenset({branches[0]}),
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://clients", timeout=120
            ) as http:
                timings: list[float] = []
                for n in range(WARMUP + SEARCHES):
                    who = admin if n % 4 == 3 else owner
                    params = search_params(rng, known, groups) | {"limit": 50}
                    started = time.perf_counter()
                    response = await http.get(
                        "/api/v1/clients/clients",
                        params=params,
                        headers=internal_headers(who, "clients"),
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.text
                    if n >= WARMUP:
                        timings.append(elapsed)
                body = {
                    "format": "csv",
                    "content_base64": import_csv(rng),
                    "mapping": {
                        "first_name": "Imię",
                        "last_name": "Nazwisko",
                        "phone": "Telefon",
                        "email": "E-mail",
                        "birthday": "Urodziny",
                        "tags": "Tagi",
                    },
                    "dry_run": False,
                }
                started = time.perf_counter()
                imported = await http.post(
                    "/api/v1/clients/imports", json=body, headers=internal_headers(owner, "clients")
                )
                import_seconds = time.perf_counter() - started
                assert imported.status_code == 200, imported.text[:2000]
                assert imported.json()["imported"] == IMPORT_ROWS
    return {
        "client_search_p99_ms": round(percentile(timings, 0.99), 2),
        "client_search_p50_ms": round(statistics.median(timings), 2),
        "client_import_10k_s": round(import_seconds, 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
