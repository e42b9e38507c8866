"""The journal grid's rows made in Python give exactly the HTML the template made of them (the
template's loop is kept beside this file as the reference), in every language, for every
kind of row."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import StrictUndefined

from web_svc.i18n import Formats, translator
from web_svc.journal_rows import Rows
from web_svc.marks import Cells
from web_svc.render import Pages

REFERENCE = (Path(__file__).parent / "journal_rows_reference.jinja").read_text()
LESSONS = [
    {"lesson_id": "l-1", "cancelled": False},
    {"lesson_id": "l-2", "cancelled": True},
    {"lesson_id": "l-3", "cancelled": False},
]


def row(client: str, state: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "client_id": client,
        "state": state,
        "first_name": "Ann",
        "last_name": "Lee",
        "age": None,
        "phone": None,
        "email": None,
        "balance_minor": 0,
        "currency": "PLN",
        "classes_left": None,
        "comments": 0,
        "cells": {},
    }
    return base | fields


ROWS = [
    row("c-1", "active", age=9, phone="+48 500", balance_minor=-4500, classes_left=3),
    row(
        "c-2",
        "left",
        email="a&b@example.com",
        comments=2,
        cells={"l-1": {"status": "attended", "version": 3, "comments": 1}},
    ),
    row(
        "c-3",
        "guest",
        first_name=None,
        last_name='<O"Neil>',
        phone="+1",
        email="x@example.com",
        cells={
            "l-2": {"status": "makeup_attended", "version": 1},
            "l-3": {"status": "odd", "version": 2},
        },
    ),
    row("c-4", "active", balance_minor=None, currency=None, comments=1),
]


@pytest.mark.parametrize("locale", ["en", "ru", "pl", "uk"])
@pytest.mark.parametrize("can_mark", [True, False])
def test_rows_are_the_templates_rows(locale: str, can_mark: bool) -> None:
    env = Pages(mark_untranslated=False).environments[locale]
    env.undefined = StrictUndefined
    words = translator(locale).gettext
    fmt = Formats(locale=locale, time_zone="Europe/Warsaw", currency="PLN")
    cells = Cells(locale, words, can_mark)
    context = {
        "grid": {"rows": ROWS, "lessons": LESSONS},
        "group": {"id": "g-1"},
        "month_param": "2026-03",
        "fmt": fmt,
        "cells": cells,
    }
    expected = env.from_string(REFERENCE).render(context)
    made = Rows(words, fmt, cells, "g-1", "2026-03").all(ROWS, LESSONS)
    assert str(made) == expected
    assert "&lt;O&#34;Neil&gt;" in made
    assert "a&amp;b@example.com" in made
