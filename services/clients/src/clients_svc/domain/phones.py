"""Phone numbers: stored in E.164, searched by digits in whatever format they are typed."""

from __future__ import annotations

import re

import phonenumbers

_NON_DIGITS = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")


class InvalidPhoneError(ValueError):
    """The message says why, in words a person at the front desk understands."""


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 ("+48601234567") from what was typed; national numbers use `default_region`."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text or not _PHONE_LIKE.match(text):
        raise InvalidPhoneError("not a phone number: use digits, spaces, dashes and brackets only")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneError(
            "this number has the wrong number of digits for its country "
            f"(numbers without +country code are read as {default_region} numbers)"
        )
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError("this is not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def phone_query(query: str, default_region: str) -> str | None:
    """The digits to look for when a search query is a (part of a) phone number, else None.

    A whole number in any format ("8 (916) 123-45-67", "+48 601-234-567") becomes its E.164
    digits; a part of a number is looked for as typed, less any national trunk prefix.
    """
    text = query.strip()
    if not _PHONE_LIKE.match(text):
        return None
    try:
        return normalise_phone(text, default_region)[1:]
    except InvalidPhoneError:
        pass
    found = digits(text)
    if len(found) < 3:
        return None
    if text.startswith("00"):
        found = found[2:]
    elif not text.startswith("+") and found.startswith("0"):
        # A national trunk prefix ("0 601 ...") is not stored in E.164.
        found = found.lstrip("0")
    return found or None
