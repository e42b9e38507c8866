"""What the figures page reads, all at once (asyncio.gather): billing's monthly report for
the chosen month and each earlier one, the journal's group figures and teacher pay, and the
names of branches, groups, teachers and services. Each call is asked only of the roles the
API lets see it; a section the API refuses (403, 404) is left out, any other refusal is kept
to be told on the page."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from web_svc.deps import Caller
from web_svc.gateway import ApiError, items

BI = "/api/v1/billing"
JO = "/api/v1/journal"
ID = "/api/v1/identity"
MONTHS_SHOWN = 6
FINANCE_ROLES = ("owner", "admin", "accountant")
STAFF_READERS = ("owner", "admin")
NOT_YOURS = (403, 404)


@dataclass
class Outcome:
    """One call's answer, or why there is none: `refused` for a section not the caller's,
    `problem` for a refusal to show (a wrong period, a service not answering)."""

    data: Any = None
    refused: bool = False
    problem: str | None = None
    status: int | None = None


async def attempt(call: Awaitable[Any]) -> Outcome:
    try:
        return Outcome(await call)
    except ApiError as exc:
        if exc.status in NOT_YOURS:
            return Outcome(refused=True, status=exc.status)
        return Outcome(problem=exc.detail, status=exc.status)


async def nothing() -> Outcome:
    return Outcome(refused=True)


def add_months(first: dt.date, count: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_last(first: dt.date) -> dt.date:
    return add_months(first, 1) - dt.timedelta(days=1)


@dataclass
class Fetched:
    months: list[dt.date]  # oldest first, the chosen month last
    monthly: Outcome  # the chosen month against the earlier ones
    by_month: list[Outcome]  # each month's own report (its breakdowns), as `months`
    groups: Outcome
    pay: Outcome
    pay_with_money: bool
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def finance(self) -> bool:
        return self.monthly.data is not None


def finances_hidden(caller: Caller) -> bool:
    return caller.role == "teacher" and bool(caller.session.person.get("finances_hidden"))


async def fetch(caller: Caller, month: dt.date, pay_from: dt.date, pay_until: dt.date) -> Fetched:
    months = [add_months(month, back) for back in range(1 - MONTHS_SHOWN, 1)]
    finance = caller.role in FINANCE_ROLES
    with_money = not finances_hidden(caller)

    def monthly(first: dt.date, earlier: int) -> Awaitable[Outcome]:
        if not finance:
            return nothing()
        return attempt(
            caller.get(f"{BI}/reports/monthly", month=first.isoformat(), earlier_months=earlier)
        )

    period = {"from_date": pay_from.isoformat(), "until_date": pay_until.isoformat()}
    pay_path = f"{JO}/teachers/pay" if with_money else f"{JO}/figures/teachers"
    answers = await asyncio.gather(
        monthly(month, MONTHS_SHOWN - 1),
        *(monthly(m, 0) for m in months[:-1]),
        attempt(caller.get(f"{JO}/figures/groups", month=f"{month:%Y-%m}")),
        attempt(caller.get(pay_path, **period)),
        attempt(caller.get(f"{ID}/branches", limit=200)),
        attempt(caller.get(f"{BI}/catalogue", limit=200)) if finance else nothing(),
        attempt(caller.get(f"{ID}/staff", limit=200))
        if caller.role in STAFF_READERS
        else nothing(),
    )
    main, earlier = answers[0], list(answers[1:MONTHS_SHOWN])
    groups, pay, branches, services, staff = answers[MONTHS_SHOWN:]
    fetched = Fetched(
        months=months,
        monthly=main,
        by_month=[*earlier, main],
        groups=groups,
        pay=pay,
        pay_with_money=with_money,
    )
    names = fetched.names
    names["branch"] = _names(branches, "name")
    names["service"] = _names(services, "name")
    names["teacher"] = _names(staff, "name")
    for row in items(pay.data):  # the journal names teachers too (staff lists are not for all)
        if row.get("teacher_name"):
            names["teacher"].setdefault(str(row["teacher_id"]), str(row["teacher_name"]))
    names["teacher"][str(caller.session.person.get("id"))] = str(caller.session.person["name"])
    names["group"] = {str(g["group_id"]): str(g["name"]) for g in items(groups.data)}
    await _archived_names(caller, fetched)
    return fetched


def _names(outcome: Outcome, key: str) -> dict[str, str]:
    return {str(row["id"]): str(row[key]) for row in items(outcome.data)}


def mentioned(fetched: Fetched, dimension: str) -> set[str]:
    found: set[str] = set()
    for outcome in fetched.by_month:
        for row in (outcome.data or {}).get(f"by_{dimension}", []):
            if row.get("id"):
                found.add(str(row["id"]))
    return found


async def _archived_names(caller: Caller, fetched: Fetched) -> None:
    """Groups and services sold in those months may be archived since: their names too."""
    wanted = {
        "group": (f"{JO}/groups", mentioned(fetched, "group") - set(fetched.names["group"])),
        "service": (
            f"{BI}/catalogue",
            mentioned(fetched, "service") - set(fetched.names["service"]),
        ),
    }
    asks = {dim: path for dim, (path, missing) in wanted.items() if missing}
    if not asks:
        return
    answers = await asyncio.gather(
        *(attempt(caller.get(path, archived="true", limit=200)) for path in asks.values())
    )
    for dim, outcome in zip(asks, answers, strict=True):
        fetched.names[dim] |= _names(outcome, "name")
