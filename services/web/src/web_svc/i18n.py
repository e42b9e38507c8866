"""Translations (Babel catalogues compiled when the app starts) and locale-aware formats.

The catalogues are the .po files under locale/; English is the source language. The
locale of a page: the person's choice, else the organisation's, else Accept-Language.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision

LOCALES = ("en", "ru", "pl", "uk")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "pl": "Polski", "uk": "Українська"}
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
UNTRANSLATED = "\u27e6{}\u27e7"  # ⟦text⟧: shown only when mark_untranslated is on


def catalogue_files(locale: str) -> list[Path]:
    """A locale's catalogues: messages.po and one file per area of the pages (dashboard.po,
    portal.po...), so that areas built side by side do not edit one file."""
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


class Translator:
    """gettext and ngettext of one locale, from its catalogue. Called, it is gettext (the
    pages' `_`), so that what is given `_` can also count (ngettext) and knows the locale."""

    def __init__(self, locale: str, mark_missing: bool = False) -> None:
        self.locale = locale
        self._single: dict[str, str] = {}
        self._plural: dict[str, list[str]] = {}
        self._mark = mark_missing and locale != DEFAULT_LOCALE
        self._plural_of: Callable[[int], int] = lambda n: 0 if n == 1 else 1
        for path in catalogue_files(locale):
            with path.open("rb") as f:
                catalog = read_po(f, locale=locale)
            self._plural_of = gettext.c2py(catalog.plural_expr)
            for message in catalog:
                if not message.id or message.fuzzy:
                    continue
                if isinstance(message.id, tuple):
                    strings = message.string if isinstance(message.string, tuple | list) else ()
                    forms = [str(s) for s in strings]
                    if forms and all(forms):
                        self._plural[str(message.id[0])] = forms
                elif message.string:
                    self._single[str(message.id)] = str(message.string)

    def gettext(self, message: str) -> str:
        found = self._single.get(message)
        if found is not None:
            return found
        return UNTRANSLATED.format(message) if self._mark else message

    def __call__(self, message: str) -> str:
        return self.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self._plural.get(singular)
        if forms is not None:
            index = self._plural_of(n)
            return forms[min(index, len(forms) - 1)]
        if self._mark:
            return UNTRANSLATED.format(singular)
        return singular if n == 1 else plural


def negotiate(accept_language: str | None) -> str | None:
    """The best of our locales for an Accept-Language header, or None."""
    if not accept_language:
        return None
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            ranked.append((quality, tag.strip()))
    ranked.sort(key=lambda item: -item[0])
    found = Locale.negotiate([tag for _, tag in ranked], list(LOCALES), sep="-")
    return str(found.language) if found else None


def choose_locale(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate:
            language = candidate.replace("_", "-").split("-")[0].lower()
            if language in LOCALES:
                return language
    return DEFAULT_LOCALE


@functools.lru_cache(maxsize=4096)
def _money(locale: str, minor: int, code: str) -> str:
    """Babel's formatting is slow and a grid shows the same few amounts again and again."""
    try:
        amount = Decimal(minor).scaleb(-get_currency_precision(code))
        return str(format_currency(amount, code, locale=locale))
    except (UnknownLocaleError, ValueError):
        return f"{minor} {code}"


@dataclass(frozen=True)
class Formats:
    """Dates, times, numbers and money in the page's locale and the organisation's zone."""

    locale: str
    time_zone: str = "UTC"
    currency: str = "EUR"

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def money(self, minor: int | None, currency: str | None = None) -> str:
        if minor is None:
            return ""
        return _money(self.locale, int(minor), currency or self.currency)

    def number(self, value: float | int | None) -> str:
        if value is None:
            return ""
        return str(format_decimal(value, locale=self.locale))

    def local_day(self, value: str) -> dt.date:
        """The day of an ISO date, or of a moment as the organisation's clock showed it."""
        if len(value) <= 10:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
        return moment.astimezone(self.zone).date() if moment.tzinfo else moment.date()

    def date(self, value: dt.date | str | None, form: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = self.local_day(value)
        return date_text(value, form, self.locale)

    def day(self, value: dt.date | str) -> str:
        """A column head: day and short weekday."""
        if isinstance(value, str):
            value = self.local_day(value)
        return date_text(value, "d EEE", self.locale)

    def month(self, value: dt.date) -> str:
        return date_text(value, "LLLL y", self.locale)

    def datetime(self, value: dt.datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return str(format_datetime(value, "short", tzinfo=self.zone, locale=self.locale))

    def time(self, value: str) -> str:
        return time_text(value[:5], self.locale)

    def minor_units(self, amount: str, currency: str | None = None) -> int:
        """An amount typed in a form (either decimal mark) in minor units."""
        code = currency or self.currency
        cleaned = amount.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        value = Decimal(cleaned)
        return int(value.scaleb(get_currency_precision(code)).to_integral_value())

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()


_translators: dict[tuple[str, bool], Translator] = {}


@functools.lru_cache(maxsize=8192)
def date_text(value: dt.date, form: str, locale: str) -> str:
    """A date as the locale writes it, kept: babel takes 15-40 us a date, and the journal
    grid shows each lesson's date twice on every page."""
    return str(format_date(value, form, locale=locale))


@functools.lru_cache(maxsize=4096)
def time_text(hh_mm: str, locale: str) -> str:
    """A time of day ("17:00") as the locale writes it, kept like date_text."""
    return str(format_time(dt.datetime.strptime(hh_mm, "%H:%M").time(), "short", locale=locale))


def translator(locale: str, mark_missing: bool = False) -> Translator:
    key = (locale, mark_missing)
    found = _translators.get(key)
    if found is None:
        found = _translators[key] = Translator(locale, mark_missing)
    return found
