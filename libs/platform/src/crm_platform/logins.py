"""Portal logins and the contacts a client proves: an email address or a phone number, one
spelling each (identity keeps accounts by it, the portal compares proven contacts by it)."""

from __future__ import annotations

import re
from typing import Literal

from crm_platform.errors import invalid_fields

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def channel_of(login: str) -> Literal["email", "phone"]:
    return "email" if "@" in login else "phone"


def e164(phone: str) -> str | None:
    """The phone in E.164 (spaces, dashes, dots and brackets dropped), or None."""
    spelt = re.sub(r"[\s\-().]", "", phone)
    return spelt if PHONE.match(spelt) else None


def normalise_login(login: str, field: str = "login") -> str:
    """An email (lower-cased) or a phone in E.164."""
    login = login.strip()
    if "@" in login:
        return login.lower()
    phone = e164(login)
    if phone is None:
        raise invalid_fields(
            [(field, "an email or a +E.164 phone")],
            detail=f"invalid {field}: an email address or a phone number in international form "
            "(+48...)",
        )
    return phone
