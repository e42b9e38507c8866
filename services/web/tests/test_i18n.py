"""The catalogues: every text of the pages is translated into ru, pl and uk, plurals take the
language's three forms, and dates and money follow the locale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web_svc.i18n import Formats, Translator, catalogue_files, choose_locale, negotiate

SOURCE = Path(__file__).resolve().parents[1] / "src" / "web_svc"
TRANSLATED = ("ru", "pl", "uk")


def extracted() -> set[str]:
    """Every text the templates and the code mark, as `pybabel extract -F babel.cfg` finds."""
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map, options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(locale: str) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in catalogue_files(locale):
        with path.open("rb") as f:
            for m in read_po(f, locale=locale):
                if m.id and m.string:
                    found[m.id if isinstance(m.id, str) else m.id[0]] = m.string
    return found


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_text_of_the_pages_is_translated(locale: str) -> None:
    texts = extracted()
    assert len(texts) > 200  # the extraction found the pages' texts
    known = catalogue(locale)
    missing = sorted(t for t in texts if not known.get(t))
    assert missing == []
    plural_forms = [v for v in known.values() if isinstance(v, tuple)]
    assert plural_forms
    assert all(len(v) == 3 and all(v) for v in plural_forms)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_text_in_two_catalogues_has_one_translation(locale: str) -> None:
    """The catalogue read last would win silently (a "New" of messages once overrode the
    leads' "New" in Russian)."""
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for path in catalogue_files(locale):
        with path.open("rb") as f:
            for m in read_po(f, locale=locale):
                key = m.id if isinstance(m.id, str) else m.id[0]
                if not key or not m.string:
                    continue
                first = seen.setdefault(key, (path.name, m.string))
                if first[1] != m.string:
                    clashes.append((key, first[0], path.name))
    assert clashes == []


@pytest.mark.parametrize(
    ("locale", "forms"),
    [
        ("ru", {1: "1 месяц", 2: "2 месяца", 5: "5 месяцев", 21: "21 месяц", 12: "12 месяцев"}),
        ("uk", {1: "1 місяць", 3: "3 місяці", 11: "11 місяців", 22: "22 місяці"}),
        ("pl", {1: "1 miesiąc", 2: "2 miesiące", 5: "5 miesięcy", 22: "22 miesiące"}),
        ("en", {1: "1 month", 2: "2 months"}),
    ],
)
def test_plurals_use_the_languages_forms(locale: str, forms: dict[int, str]) -> None:
    words = Translator(locale)
    for n, expected in forms.items():
        assert words.ngettext("%(num)d month", "%(num)d months", n) % {"num": n} == expected


def test_a_missing_translation_is_marked_only_when_asked() -> None:
    assert Translator("ru").gettext("no such text") == "no such text"
    assert Translator("ru", mark_missing=True).gettext("no such text") == "\u27e6no such text\u27e7"
    assert Translator("en", mark_missing=True).gettext("no such text") == "no such text"
    assert Translator("pl", mark_missing=True).gettext("Journal") == "Dziennik"


def test_locale_comes_from_the_person_then_the_organisation_then_the_browser() -> None:
    assert choose_locale("uk", "pl", negotiate("ru-RU,ru;q=0.9")) == "uk"
    assert choose_locale(None, "pl", negotiate("ru-RU,ru;q=0.9")) == "pl"
    assert choose_locale(None, None, negotiate("de-DE, ru;q=0.8, en;q=0.5")) == "ru"
    assert choose_locale(None, None, negotiate("de-DE")) == "en"
    assert choose_locale(None, "en-GB", None) == "en"


def test_money_and_dates_follow_the_locale() -> None:
    assert Formats("pl", currency="PLN").money(123456) == "1\u00a0234,56\u00a0zł"
    assert Formats("ru", currency="RUB").money(-5000) == "-50,00\u00a0₽"
    assert Formats("en", currency="EUR").money(250) == "€2.50"
    assert Formats("en", currency="JPY").money(250) == "¥250"
    assert Formats("uk").date(date(2026, 12, 1), "long") == "1 грудня 2026\u202fр."  # noqa: RUF001
    assert Formats("pl").month(date(2026, 12, 1)) == "grudzień 2026"
    assert Formats("en").time("17:00:00") == "5:00\u202fPM"
    assert [Formats(locale).time("17:00") for locale in ("ru", "pl", "uk")] == ["17:00"] * 3


def test_a_moment_is_dated_by_the_organisations_clock() -> None:
    warsaw = Formats("en", time_zone="Europe/Warsaw")
    assert warsaw.date("2026-12-07T23:30:00+00:00") == "Dec 8, 2026"
    assert warsaw.date("2026-12-07T22:59:00Z") == "Dec 7, 2026"
    assert Formats("en", time_zone="America/New_York").date("2026-12-08T03:00:00Z") == (
        "Dec 7, 2026"
    )
    assert warsaw.date("2026-12-07") == "Dec 7, 2026"
    assert warsaw.day("2026-12-31T23:30:00+00:00") == "1 Fri"


@pytest.mark.parametrize(("typed", "minor"), [("12,50", 1250), ("12.5", 1250), ("1 000", 100000)])
def test_amounts_typed_in_either_decimal_mark(typed: str, minor: int) -> None:
    assert Formats("pl", currency="PLN").minor_units(typed) == minor


def test_a_refusal_names_the_fields_in_either_shape() -> None:
    from web_svc.gateway import ApiError

    ours = ApiError(
        422,
        {
            "detail": "invalid",
            "errors": [{"field": "price_minor", "in": "body", "message": "must be positive"}],
        },
    )
    assert ours.detail == "price_minor: must be positive"
    pydantic = ApiError(422, {"errors": [{"loc": ["body", "name"], "msg": "required"}]})
    assert pydantic.detail == "name: required"
    assert ApiError(503, {"title": "Service Unavailable"}).detail == "Service Unavailable"
