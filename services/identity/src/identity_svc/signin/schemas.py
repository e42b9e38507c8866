"""Request models of staff sign-in, password reset and invitation acceptance."""

from __future__ import annotations

from typing import Annotated

from pydantic import EmailStr, StringConstraints

from identity_svc.schemas_common import Password, Strict


class SignIn(Strict):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class ResetRequest(Strict):
    email: EmailStr


class SetPassword(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Password
