"""A message's variables as its template sees them: money, dates and times written for the
recipient's locale (and the organisation's time zone), a sealed token opened into its link.

Messages keep raw values (minor units, ISO dates, the sealed token); they are written out
only here, at send time, in memory."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision

from crm_platform.sealing import Opener, SealError
from notifications_svc.domain.triggers import Trigger


def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def money(amount_minor: int, currency: str, locale: str) -> str:
    digits = get_currency_precision(currency)
    amount = Decimal(amount_minor).scaleb(-digits)
    return format_currency(amount, currency, locale=babel_locale(locale))


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def display(
    trigger: Trigger,
    raw: dict[str, Any],
    *,
    locale: str,
    school: str,
    time_zone: str,
    opener: Opener | None,
    links: dict[str, str],
) -> dict[str, Any]:
    where = babel_locale(locale)
    out: dict[str, Any] = {
        "first_name": raw.get("first_name", ""),
        "name": raw.get("name", ""),
        "school": school,
    }
    currency = raw.get("currency", "EUR")
    for key in ("amount", "balance"):
        if f"{key}_minor" in raw:
            out[key] = money(int(raw[f"{key}_minor"]), currency, locale)
    for key in (
        "due_on",
        "ends_on",
        "lesson_date",
        "makeup_until",
        "period_starts_on",
        "period_ends_on",
    ):
        if key in raw:
            out[key] = format_date(date.fromisoformat(raw[key]), "long", where) if raw[key] else ""
    if "expires_at" in raw:
        moment = datetime.fromisoformat(raw["expires_at"]).astimezone(zone(time_zone))
        out["expires_at"] = format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=where)
    for key in ("lead_name", "lead_phone", "lead_email", "lead_source", "comment", "group"):
        if key in raw:
            out[key] = raw[key] or ""
    for key in ("pack", "classes_left", "classes_issued", "role", "purpose"):
        if key in raw:
            out[key] = raw[key] if raw[key] is not None else 0
    if trigger.sealed is not None and "sealed_token" in raw:
        if opener is None:
            raise SealError("no key to open the link with")
        token = opener.open(trigger.sealed, raw["sealed_token"])
        if trigger.sealed_as == "code":
            out["code"] = token
        else:
            out["link"] = links[trigger.name].format(token=token)
    else:  # a preview's or a test's examples
        out.update({k: raw[k] for k in ("link", "code") if k in raw})
    return {k: v for k, v in out.items() if k in trigger.allowed}
