"""Field types and the strict base that the request models of every feature share."""

from __future__ import annotations

import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from crm_platform.fields import OneLine
from identity_svc.passwords import MIN_LENGTH

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Password = Annotated[str, StringConstraints(min_length=MIN_LENGTH, max_length=256)]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


def _known_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError("unknown time zone (use an IANA name such as Europe/Warsaw)")
    return value


TimeZone = Annotated[str, AfterValidator(_known_zone)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
