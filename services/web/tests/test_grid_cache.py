"""The journal page asks for a grid it holds with If-None-Match and renders it again only when
the journal sends another one; what it holds is kept apart by everything else the rows'
HTML depends on."""

from __future__ import annotations

import asyncio
from datetime import date
from types import SimpleNamespace
from typing import Any

import orjson

from web_svc.gateway import GatewayResponse
from web_svc.grid_cache import GridCache, Kept
from web_svc.i18n import Formats, translator
from web_svc.marks import Cells
from web_svc.pages.journal import _grid


def grid(first_name: str) -> dict[str, Any]:
    row = {
        "client_id": "c-1",
        "state": "active",
        "first_name": first_name,
        "last_name": "Lee",
        "age": None,
        "phone": None,
        "email": None,
        "balance_minor": 0,
        "currency": "PLN",
        "classes_left": None,
        "comments": 0,
        "cells": {"l-1": {"status": "attended", "version": 1, "comments": 0}},
    }
    lessons = [{"lesson_id": "l-1", "cancelled": False}]
    return {"group": {"id": "g-1"}, "rows": [row], "lessons": lessons}


class Journal:
    """The gateway as the page meets it: answers 304 when sent the tag of what it has now."""

    def __init__(self) -> None:
        self.now = grid("Ann")
        self.asked: list[dict[str, str]] = []
        self.state = SimpleNamespace(grid_cache=GridCache(size=2))
        self.request = SimpleNamespace(app=SimpleNamespace(state=self.state))

    async def respond(self, method: str, path: str, **kwargs: Any) -> GatewayResponse:
        headers = kwargs.get("headers") or {}
        self.asked.append(headers)
        tag = f'"{self.now["rows"][0]["first_name"]}"'
        if headers.get("If-None-Match") == tag:
            return GatewayResponse(304, b"", "Not Modified", {"etag": tag})
        return GatewayResponse(200, orjson.dumps(self.now), "OK", {"etag": tag})


def page(journal: Journal, locale: str = "en", can_mark: bool = True) -> Kept:
    words = translator(locale).gettext
    cells = Cells(locale, words, can_mark)
    fmt = Formats(locale=locale, time_zone="Europe/Warsaw", currency="PLN")
    return asyncio.run(_grid(journal, "g-1", date(2026, 3, 1), cells, fmt, words))


def test_a_grid_unchanged_is_not_rendered_again_and_a_changed_one_is() -> None:
    journal = Journal()
    first = page(journal)
    assert journal.asked[-1] == {}
    assert "Lee Ann" in first.rows
    again = page(journal)
    assert journal.asked[-1] == {"If-None-Match": '"Ann"'}
    assert again is first  # the held grid and rows, not rendered again
    journal.now = grid("Zoe")  # a card changed: the journal's answer is another one
    changed = page(journal)
    assert "Lee Zoe" in changed.rows
    assert "Ann" not in changed.rows
    assert page(journal) is changed


def test_what_is_held_is_kept_apart_by_language_and_by_who_marks() -> None:
    journal = Journal()
    english = page(journal)
    russian = page(journal, locale="ru")
    assert journal.asked == [{}, {}]
    assert russian.rows != english.rows
    viewer = page(journal, can_mark=False)
    assert journal.asked[-1] == {}
    assert " disabled" in viewer.rows
    assert " disabled" not in english.rows
    # Two kept at most: the oldest (English, marking) went first.
    page(journal)
    assert journal.asked[-1] == {}
