"""Types every request and response model of the journal shares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from crm_platform.fields import OneLine, WholeNumber
from journal_svc.domain.timetable import parse_time

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
MarkStatus = Literal["planned", "attended", "absent", "excused", "makeup_attended"]
Minutes = Annotated[WholeNumber, Field(ge=5, le=12 * 60)]


def _time_of_day(value: str) -> str:
    parse_time(value)
    return value


TimeOfDay = Annotated[
    str, StringConstraints(pattern=r"^\d{2}:\d{2}$"), AfterValidator(_time_of_day)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)
