"""Portal logins: an email address or a phone number, one spelling each."""

from __future__ import annotations

import re
from typing import Literal

from crm_platform.errors import invalid_fields

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def channel_of(login: str) -> Literal["email", "phone"]:
    return "email" if "@" in login else "phone"


def normalise_login(login: str) -> str:
    """An email (lower-cased) or a phone in E.164 (spaces and dashes dropped)."""
    login = login.strip()
    if "@" in login:
        return login.lower()
    phone = re.sub(r"[\s\-().]", "", login)
    if not PHONE.match(phone):
        raise invalid_fields(
            [("login", "an email or a +E.164 phone")],
            detail="invalid login: an email address or a phone number in international form "
            "(+48...)",
        )
    return phone
