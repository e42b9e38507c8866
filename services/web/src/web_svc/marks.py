"""The five journal statuses: colour (in the stylesheet), letter and name, by locale."""

from __future__ import annotations

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
