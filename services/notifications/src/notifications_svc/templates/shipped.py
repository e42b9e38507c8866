"""The templates every organisation starts with: each trigger in each shipped locale.
An organisation's own template replaces one of these (version 1 and up); these are
version 0."""

from __future__ import annotations

from notifications_svc.templates.shipped_en import EN, Source
from notifications_svc.templates.shipped_other import PL, RU, UK

SHIPPED_LOCALES = ("en", "ru", "pl", "uk")
SHIPPED: dict[str, dict[str, Source]] = {"en": EN, "ru": RU, "pl": PL, "uk": UK}

__all__ = ["SHIPPED", "SHIPPED_LOCALES", "Source", "is_shipped", "shipped"]


def _language(locale: str) -> str:
    return locale.split("_")[0].split("-")[0]


def is_shipped(locale: str) -> bool:
    return locale in SHIPPED or _language(locale) in SHIPPED


def shipped(trigger: str, locale: str) -> Source:
    """The shipped template in `locale` (or its language), else in English."""
    language = _language(locale)
    found = SHIPPED.get(locale) or SHIPPED.get(language) or EN
    return found.get(trigger) or EN[trigger]
