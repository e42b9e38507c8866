"""The five journal statuses: colour (in the stylesheet), letter and name, by locale."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from web_svc.render import N_

STATUSES = ("planned", "attended", "absent", "excused", "makeup_attended")
NAMES = {
    "planned": N_("Planned"),
    "attended": N_("Attended"),
    "absent": N_("Absent"),
    "excused": N_("Excused"),
    "makeup_attended": N_("Make-up attended"),
}
# One letter per status, shown in the cell beside its colour and typed to set it. Letters
# follow each language's words for the statuses (Cyrillic on purpose in ru and uk).
LETTERS = {
    "en": {"planned": "P", "attended": "A", "absent": "N", "excused": "E", "makeup_attended": "M"},
    "ru": {"planned": "З", "attended": "Б", "absent": "П", "excused": "У", "makeup_attended": "О"},  # noqa: RUF001
    "pl": {"planned": "Z", "attended": "O", "absent": "N", "excused": "U", "makeup_attended": "D"},
    "uk": {"planned": "З", "attended": "Б", "absent": "П", "excused": "Л", "makeup_attended": "В"},  # noqa: RUF001
}
# A click moves an ordinary cell through these; make-up attended is set from the seat finder.
CYCLE = {
    None: "attended",
    "attended": "absent",
    "absent": "excused",
    "excused": "planned",
    "planned": None,
    "makeup_attended": None,
}


def letters(locale: str) -> dict[str, str]:
    return LETTERS.get(locale, LETTERS["en"])


UNKNOWN = '<button type="button" class="mark" tabindex="-1" disabled>{}</button>'


class Cells:
    """The journal's cells as HTML, for the grid and for the answer to one cell's change.

    Made here rather than by a template macro: a month's grid has hundreds of cells, and a
    macro call per cell was most of the page's render time."""

    def __init__(self, locale: str, gettext: Callable[[str], str], can_mark: bool) -> None:
        self.can_mark = can_mark
        marks = letters(locale)
        self._comments = escape(gettext("comments"))
        # (status, cancelled) -> the cell's HTML before its version, and after it up to the
        # badge: a cell of a known status is then two joins.
        self._known: dict[tuple[str, bool], tuple[str, str]] = {}
        for status in ("", *STATUSES):
            label = escape(gettext(NAMES[status]) if status else gettext("empty"))
            kind = f" s-{status}" if status else ""
            letter = marks[status] if status else ""
            for cancelled in (False, True):
                off = " disabled" if cancelled or not can_mark else ""
                button = (
                    f'<button type="button" class="mark{kind}" tabindex="-1"{off}'
                    f' aria-label="{label}">{letter}</button>'
                )
                cell_off = " off" if cancelled else ""
                self._known[(status, cancelled)] = (
                    f'<td class="cell{cell_off}" data-version="',
                    f'" data-status="{status}">{button}',
                )

    def cell(self, c: Mapping[str, Any] | None, cancelled: bool = False) -> Markup:
        return Markup(self._html(c, cancelled))

    def row(self, cells: Mapping[str, Any], lessons: Iterable[Mapping[str, Any]]) -> Markup:
        return Markup(self.row_of(cells, self.columns(lessons)))

    @staticmethod
    def columns(lessons: Iterable[Mapping[str, Any]]) -> list[tuple[str, bool]]:
        """Each lesson's key in a row's cells and whether it was cancelled."""
        return [(str(lesson["lesson_id"]), bool(lesson["cancelled"])) for lesson in lessons]

    def row_of(self, cells: Mapping[str, Any], columns: list[tuple[str, bool]]) -> str:
        return "".join(self._html(cells.get(key), cancelled) for key, cancelled in columns)

    def _html(self, c: Mapping[str, Any] | None, cancelled: bool) -> str:
        status = str(c["status"]) if c else ""
        version = int(c["version"]) if c else 0
        comments = int(c.get("comments") or 0) if c else 0
        badge = (
            f'<span class="badge" title="{self._comments}">{comments}</span>' if comments else ""
        )
        known = self._known.get((status, cancelled))
        if known is None:  # a status this page does not know: shown as it is, unmarkable
            off = " off" if cancelled else ""
            return (
                f'<td class="cell{off}" data-version="{version}" data-status="{escape(status)}">'
                f"{UNKNOWN.format(escape(status))}{badge}</td>"
            )
        return f"{known[0]}{version}{known[1]}{badge}</td>"
