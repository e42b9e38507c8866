"""The journal's cells, made in Python for speed: status by colour class and letter, the
version the page shows, disabled where nobody may mark, a comments badge, text escaped."""

from __future__ import annotations

from web_svc.i18n import translator
from web_svc.marks import Cells


def test_a_marked_cell_shows_its_letter_class_name_and_version() -> None:
    html = Cells("ru", translator("ru").gettext, can_mark=True).cell(
        {"status": "excused", "version": 7, "comments": 2}
    )
    assert 'data-status="excused"' in html
    assert 'data-version="7"' in html
    assert 'class="mark s-excused"' in html
    assert ">У</button>" in html  # noqa: RUF001
    assert 'aria-label="Уважительный пропуск"' in html
    assert "disabled" not in html
    assert '<span class="badge"' in html
    assert ">2</span>" in html


def test_cancelled_lessons_and_readers_get_disabled_buttons() -> None:
    cells = Cells("en", translator("en").gettext, can_mark=True)
    assert 'class="cell off"' in cells.cell(None, cancelled=True)
    assert " disabled" in cells.cell(None, cancelled=True)
    reader = Cells("en", translator("en").gettext, can_mark=False)
    empty = reader.cell(None)
    assert " disabled" in empty
    assert 'data-version="0"' in empty
    assert 'aria-label="empty"' in empty


def test_a_row_follows_the_lessons_and_escapes_what_it_does_not_know() -> None:
    cells = Cells("en", translator("en").gettext, can_mark=True)
    lessons = [{"lesson_id": "l1", "cancelled": False}, {"lesson_id": "l2", "cancelled": True}]
    row = cells.row({"l1": {"status": "<b>", "version": 1}}, lessons)
    assert row.count("<td ") == 2
    assert "&lt;b&gt;" in row
    assert "<b>" not in row
    assert row.index('data-version="1"') < row.index('class="cell off"')
