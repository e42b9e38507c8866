"""What the pages of rooms, schedules, members and comments share: who may change what, the
weekday names of the locale, names of staff, and refusals of a clash told in the page's words."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from babel.dates import get_day_names
from markupsafe import Markup

from web_svc.deps import Caller
from web_svc.gateway import ApiError, items
from web_svc.i18n import Formats
from web_svc.refusals import account, foreign, words_of

J = "/api/v1/journal"
WRITERS = ("owner", "admin")
MARKERS = ("owner", "admin", "teacher")
WHOLE_DAY = re.compile(r"the (room|teacher) is taken at (\d{4}-\d\d-\d\d) (\d\d:\d\d)")
WEEKLY = re.compile(r"the (room|teacher) is taken on (\w+) at (\d\d:\d\d)")
MAX_LOOKUPS = 60  # names of past members and waiting clients looked up one by one
ENGLISH_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def weekday_names(locale: str) -> dict[int, str]:
    """ISO weekday (1 = Monday) -> its name in the locale (from CLDR, not the catalogue)."""
    names = get_day_names("wide", context="stand-alone", locale=locale)
    return {day + 1: str(names[day])[:1].upper() + str(names[day])[1:] for day in range(7)}


def can_write(caller: Caller) -> bool:
    return caller.role in WRITERS


async def staff_names(caller: Caller) -> dict[str, str]:
    """Names of staff by id, for those who may read the staff list; others know themselves."""
    me = caller.session.person
    known = {str(me.get("id", "")): str(me.get("name", ""))}
    if caller.role in WRITERS:
        for person in items(await caller.get("/api/v1/identity/staff", limit=200)):
            known[str(person["id"])] = str(person["name"])
    return known


async def teachers(caller: Caller) -> list[dict[str, Any]]:
    """Active staff who may run a lesson (teachers, and owners or admins who teach)."""
    if caller.role not in WRITERS:
        return []
    staff = items(await caller.get("/api/v1/identity/staff", limit=200))
    return [s for s in staff if s.get("status", "active") == "active"]


def full_name(client: dict[str, Any]) -> str:
    """A client as lists name them: last name first."""
    return f"{client.get('last_name') or ''} {client.get('first_name') or ''}".strip()


async def names_by_id(
    caller: Caller, ids: Iterable[str], naming: Callable[[dict[str, Any]], str] = full_name
) -> dict[str, str]:
    """Each client's name, looked up one by one; a client the caller may not see is ""."""

    async def one(client_id: str) -> tuple[str, str]:
        try:
            return client_id, naming(await caller.get(f"/api/v1/clients/clients/{client_id}"))
        except ApiError:  # a client the caller may not see (a teacher, a waitlist)
            return client_id, ""

    return dict(await asyncio.gather(*(one(i) for i in sorted(set(ids)))))


async def client_names(caller: Caller, group_id: str, others: Sequence[str]) -> dict[str, str]:
    """Names of the group's clients, and of other clients named (a waitlist, past members)."""
    found = {
        str(c["id"]): full_name(c)
        for c in items(await caller.get("/api/v1/clients/clients", group_id=group_id, limit=200))
    }
    missing = [c for c in dict.fromkeys(others) if c not in found][:MAX_LOOKUPS]
    found |= {i: name for i, name in (await names_by_id(caller, missing)).items() if name}
    return found


def clash_lines(
    exc: ApiError, _: Callable[[str], str], fmt: Formats, days: dict[int, str]
) -> list[str | Markup]:
    """The journal's refusal of a double booking, one line per clash in the page's words
    (the API says which room or teacher and when); any other refusal as the API said it."""
    lines: list[str] = []
    errors = exc.problem.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        said = str(error.get("message") or error.get("msg") or "")
        dated, weekly = WHOLE_DAY.search(said), WEEKLY.search(said)
        if dated:
            what, day, time = dated.groups()
            template = (
                _("%(day)s at %(time)s: the room is already taken by another lesson.")
                if what == "room"
                else _("%(day)s at %(time)s: the teacher already has another lesson.")
            )
            lines.append(template % {"day": fmt.date(day), "time": fmt.time(time)})
        elif weekly and weekly.group(2) in ENGLISH_DAYS:
            what, weekday, time = weekly.groups()
            name = days[ENGLISH_DAYS.index(weekday) + 1]
            template = (
                _("%(day)s at %(time)s: the room is already taken by another group.")
                if what == "room"
                else _("%(day)s at %(time)s: the teacher already teaches another group.")
            )
            lines.append(template % {"day": name, "time": fmt.time(time)})
        elif said:
            lines.append(foreign(said, words_of(_)))
    if not lines:
        lines.append(account(exc, words_of(_)))
    return lines


def refused(exc: ApiError, _: Callable[[str], str]) -> str:
    """The headline of a refusal: a clash says so in words; anything else names the field."""
    if exc.status == 409 and "clash" in str(exc.problem.get("detail", "")):
        return _("Not saved: the time is taken.")
    if exc.status == 503:
        return _("A part of the system is not answering. Try again in a moment.")
    return _("Not saved")


async def post_comment(
    caller: Caller,
    on: tuple[str, str],
    body: str,
    kind: str,
    client_id: str,
    visible_to_client: str,
) -> None:
    """A comment from a form, on a lesson or a group (`on`: its kind and id), or on one of
    its clients when one is chosen (the lesson's cell, the group's client)."""
    target, target_id = on
    payload: dict[str, Any] = {
        "target": {"lesson": "cell", "group": "client"}[target] if client_id else target,
        f"{target}_id": target_id,
        "kind": kind if kind in ("action", "information") else "information",
        "body": body,
        "visible_to_client": visible_to_client == "on",
    }
    if client_id:
        payload["client_id"] = client_id
    await caller.post(f"{J}/comments", payload)
