"""Builds the journal of a group for a period: lessons as columns, clients as rows.

Every figure a row shows (name, age, contacts, balance, classes left) comes from the
journal's own copy kept from clients and billing events: nothing is fetched per request, and
the journal's own tables are read in one statement (grid/repository.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from journal_svc.context import Context
from journal_svc.domain.figures import age_on
from journal_svc.domain.timetable import format_time
from journal_svc.grid.repository import GridRepository
from journal_svc.lessons.service import check_period

STATE_ORDER = {"active": 0, "guest": 1, "left": 2}


@dataclass
class Membership:
    first: date
    until: date | None


@dataclass
class Grid:
    ctx: Context

    async def journal(
        self, principal: Principal, group_id: uuid.UUID, start: date, until: date
    ) -> dict[str, Any]:
        """The journal in the shape of schemas.Journal."""
        check_period(start, until)
        data = await GridRepository(self.ctx.session).read(principal, group_id, start, until)
        if data is None:
            raise NotFoundError("group")
        today = self.ctx.today_in(data.time_zone)
        as_of = min(max(today, start), until)
        members: dict[str, Membership] = {}
        for enrolment in data.enrolments:
            client_id, first, last = (
                enrolment["client_id"],
                enrolment["from_date"],
                enrolment["until_date"],
            )
            known = members.get(client_id)
            if known is None:
                members[client_id] = Membership(first, last)
            else:
                known.first = min(known.first, first)
                known.until = (
                    None if known.until is None or last is None else max(known.until, last)
                )
        marks = data.marks
        counts = data.counts
        client_ids = list(dict.fromkeys([*members, *(m["client_id"] for m in marks)]))
        # Plain dicts in the shape of schemas.Journal, serialised once at the edge: the grid
        # is the hottest read of the product and per-cell model validation would dominate it.
        cells: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in client_ids}
        for mark in marks:
            lesson_id, client_id = mark["lesson_id"], mark["client_id"]
            cells[client_id][lesson_id] = {
                "mark_id": mark["id"],
                "status": mark["status"],
                "makeup_of": mark["makeup_of"],
                "version": mark["version"],
                "comments": counts.get((lesson_id, client_id), 0),
            }
        rows = [
            self._row(
                client_id,
                members.get(client_id),
                data.cards.get(client_id),
                cells[client_id],
                counts.get((None, client_id), 0),
                as_of,
                principal.finances_hidden,
                data.currency,
            )
            for client_id in client_ids
        ]
        rows.sort(
            key=lambda r: (
                STATE_ORDER[r["state"]],
                (r["last_name"] or "").casefold(),
                (r["first_name"] or "").casefold(),
                str(r["client_id"]),
            )
        )
        group = data.group
        return {
            "group": {
                "id": group["id"],
                "name": group["name"],
                "programme": group["programme"],
                "branch_id": group["branch_id"],
                "capacity": group["capacity"],
                "archived": group["archived"],
                "version": group["version"],
            },
            "from_date": start,
            "until_date": until,
            "as_of": as_of,
            "lessons": [
                {
                    "lesson_id": row["id"],
                    "lesson_date": row["lesson_date"],
                    "starts_at": format_time(row["start_minute"]),
                    "duration_minutes": row["end_minute"] - row["start_minute"],
                    "kind": row["kind"],
                    "cancelled": row["cancelled"],
                    "teacher_id": row["teacher_id"],
                    "attended": row["attended_count"],
                    "comments": counts.get((row["id"], None), 0),
                }
                for row in data.lessons
            ],
            "rows": rows,
            "comments": counts.get((None, None), 0),
        }

    @staticmethod
    def _row(
        client_id: str,
        member: Membership | None,
        card: dict[str, Any] | None,
        cells: dict[str, dict[str, Any]],
        comments: int,
        as_of: date,
        finances_hidden: bool,
        currency: str | None,
    ) -> dict[str, Any]:
        if member is None:
            state = "guest"
        elif member.until is None or member.until >= as_of:
            state = "active"
        else:
            state = "left"
        if card is not None and card["status"] == "archived" and state == "active":
            state = "left"
        # A client with no entries yet owes nothing: balance 0 in the organisation's currency.
        balance = card["balance_minor"] if card is not None else None
        birthday = card["birthday"] if card is not None else None
        money = not finances_hidden
        return {
            "client_id": client_id,
            "state": state,
            "first_name": card["first_name"] if card else None,
            "last_name": card["last_name"] if card else None,
            "age": age_on(birthday, as_of) if birthday else None,
            "phone": card["phone"] if card else None,
            "email": card["email"] if card else None,
            "balance_minor": (0 if balance is None else balance) if money else None,
            "currency": ((card["currency"] if card else None) or currency) if money else None,
            "classes_left": card["classes_left"] if money and card else None,
            "enrolled_from": member.first if member else None,
            "enrolled_until": member.until if member else None,
            "comments": comments,
            "cells": cells,
        }
