"""What the fault run checks once the load has stopped and the system has settled."""

from __future__ import annotations

import uuid
from typing import Any

from crm_devrun.catalogue import GATEWAY, SERVICES
from crm_devrun.processes import NotReadyError, poll_until

from .load import Load
from .system import FaultSystem, rabbitmqctl

KILLED = {"billing": 1, "journal": 1}  # the faults' own kills, each restarted once


def queues(fs: FaultSystem) -> dict[str, int]:
    listed = rabbitmqctl("list_queues", "-p", fs.vhost, "--no-table-headers", "name", "messages")
    out: dict[str, int] = {}
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


async def state(fs: FaultSystem, clients: list[str]) -> dict[str, Any]:
    ids = [uuid.UUID(c) for c in clients]
    billing = {c: 0 for c in clients} | {  # no row yet: nothing moved the balance
        str(r["client_id"]): r["balance_minor"]
        for r in await fs.sql(
            "billing",
            "SELECT client_id, balance_minor FROM client_balances WHERE client_id = ANY($1)",
            ids,
        )
    }
    packs = {
        str(r["client_id"]): r["classes_left"]
        for r in await fs.sql(
            "billing", "SELECT client_id, classes_left FROM packs WHERE client_id = ANY($1)", ids
        )
    }
    rows = {
        str(r["client_id"]): (r["balance_minor"], r["classes_left"])
        for r in await fs.sql(
            "journal",
            "SELECT client_id, balance_minor, classes_left FROM client_cards "
            "WHERE client_id = ANY($1)",
            ids,
        )
    }
    attended = {
        str(r["client_id"]): r["n"]
        for r in await fs.sql(
            "journal",
            "SELECT client_id, count(*) AS n FROM marks "
            "WHERE client_id = ANY($1) AND status = 'attended' GROUP BY client_id",
            ids,
        )
    }
    cards = {
        str(r["id"]): r["balance_minor"]
        for r in await fs.sql(
            "clients", "SELECT id, balance_minor FROM clients WHERE id = ANY($1)", ids
        )
    }
    unpublished = {
        spec.name: (
            await fs.sql(spec.name, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
        )[0]["n"]
        for spec in SERVICES
        if spec.has_database
    }
    return {
        "billing": billing,
        "packs": packs,
        "rows": rows,
        "attended": attended,
        "cards": cards,
        "unpublished": {k: v for k, v in unpublished.items() if v},
        "queued": {k: v for k, v in queues(fs).items() if v and not k.endswith(".parking")},
    }


def disagreements(now: dict[str, Any], clients: list[str], classes: int) -> list[str]:
    out = []
    for c in clients:
        balance = now["billing"].get(c)
        row_balance, row_classes = now["rows"].get(c, (None, None))
        if not (balance == row_balance == now["cards"].get(c)):
            out.append(
                f"balance of {c}: billing {balance}, journal {row_balance}, "
                f"clients {now['cards'].get(c)}"
            )
        left = now["packs"].get(c)
        expected = classes - now["attended"].get(c, 0)
        if not (left == row_classes == expected):
            out.append(
                f"classes left of {c}: billing {left}, journal row {row_classes}, "
                f"journal marks say {expected}"
            )
    return out


async def settle_and_check(
    fs: FaultSystem, load: Load, clients: list[str], classes: int, before: dict[str, int]
) -> dict[str, Any]:
    """Waits (bounded) until every outbox and queue is empty and the copies agree, then
    counts what was lost, doubled or left mismatched."""
    last: dict[str, Any] = {}

    async def settled() -> bool | None:
        nonlocal last
        last = await state(fs, clients)
        quiet = not last["unpublished"] and not last["queued"]
        return True if quiet and not disagreements(last, clients, classes) else None

    problems: list[str] = []
    try:
        await poll_until(settled, what="the system to settle", within=240.0, interval=1.0)
    except NotReadyError as exc:
        problems.append(f"{exc}: unpublished {last['unpublished']}, queued {last['queued']}")
    mismatched = disagreements(last, clients, classes)
    problems += mismatched

    ids = [uuid.UUID(c) for c in clients]
    entries = await fs.sql(
        "billing",
        "SELECT client_id, amount_minor, count(*) AS n, array_agg(id) AS ids FROM ledger_entries "
        "WHERE kind = 'payment' AND client_id = ANY($1) GROUP BY client_id, amount_minor",
        ids,
    )
    found = {(str(r["client_id"]), r["amount_minor"]): r for r in entries}
    lost = [
        k
        for k, entry in load.accepted.items()
        if k not in found or uuid.UUID(entry) not in found[k]["ids"]
    ]
    doubled = sum(r["n"] - 1 for r in entries)
    strangers = [k for k in found if k not in load.accepted and k not in load.uncertain]
    problems += [f"accepted payment not in the ledger: {k}" for k in lost]
    problems += [f"payment written {r['n']} times: {k}" for k, r in found.items() if r["n"] > 1]
    problems += [f"a payment nobody made: {k}" for k in strangers]
    for c in clients:
        paid = sum(amount for (client, amount) in found if client == c)
        if last["billing"].get(c) != before[c] + paid:
            problems.append(
                f"billing's balance of {c} is {last['billing'].get(c)}, "
                f"not {before[c]} + {paid} paid"
            )

    parked = {k: v for k, v in queues(fs).items() if k.endswith(".parking") and v}
    logged = sum(
        fs.log_text(name).count("event_parked")
        for name in [s.name for s in SERVICES] + [GATEWAY.name]
    )
    if sum(parked.values()) > logged:
        problems.append(f"parked without a logged reason: {parked}, {logged} logged")
    restarts = {
        p.name: fs.supervisor.restarts(p.name)
        for p in fs.system.processes
        if fs.supervisor.restarts(p.name)
    }
    if restarts != KILLED:
        problems.append(f"restarts {restarts}, expected only the kills {KILLED}: {fs.said}")
    return {
        "lost": len(lost),
        "doubled": doubled,
        "mismatched": len(mismatched),
        "parked": sum(parked.values()),
        "restarts": restarts,
        "problems": problems,
    }
