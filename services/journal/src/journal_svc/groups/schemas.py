"""Request and response models of groups, rooms and journal settings."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import Field, model_validator

from crm_platform.fields import BusinessDate, WholeNumber
from journal_svc.lessons.schemas import LessonRead
from journal_svc.schemas_common import Minutes, Name, Read, Strict, TimeOfDay

Capacity = Annotated[WholeNumber, Field(ge=1, le=1000)]
Age = Annotated[WholeNumber, Field(ge=0, le=120)]


class SlotIn(Strict):
    weekday: Annotated[WholeNumber, Field(ge=1, le=7, description="ISO weekday: 1 = Monday")]
    starts_at: TimeOfDay
    duration_minutes: Minutes
    # Default to the group's room and its first teacher.
    room_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None


class SlotRead(Read):
    id: uuid.UUID
    weekday: int
    starts_at: str
    duration_minutes: int
    room_id: uuid.UUID | None
    teacher_id: uuid.UUID | None


def _ages(age_min: int | None, age_max: int | None) -> None:
    if age_min is not None and age_max is not None and age_min > age_max:
        raise ValueError("age_min is above age_max")


class GroupCreate(Strict):
    name: Name
    branch_id: uuid.UUID
    programme: Name | None = None
    room_id: uuid.UUID | None = None
    capacity: Capacity | None = None
    teacher_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    age_min: Age | None = None
    age_max: Age | None = None
    schedule: list[SlotIn] = Field(default_factory=list, max_length=28)
    starts_on: BusinessDate
    ends_on: BusinessDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _ages(self.age_min, self.age_max)
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class GroupUpdate(Strict):
    """Fields left out stay as they are; `schedule` and `teacher_ids` replace the whole list."""

    name: Name | None = None
    branch_id: uuid.UUID | None = None
    programme: Name | None = None
    room_id: uuid.UUID | None = None
    capacity: Capacity | None = None
    teacher_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    age_min: Age | None = None
    age_max: Age | None = None
    schedule: list[SlotIn] | None = Field(default=None, max_length=28)
    starts_on: BusinessDate | None = None
    ends_on: BusinessDate | None = None
    archived: bool | None = None


class GroupRead(Read):
    id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    programme: str | None
    room_id: uuid.UUID | None
    capacity: int | None
    teacher_ids: list[uuid.UUID]
    age_min: int | None
    age_max: int | None
    schedule: list[SlotRead]
    starts_on: date
    ends_on: date | None
    archived: bool
    version: int


class RoomCreate(Strict):
    branch_id: uuid.UUID
    name: Name
    capacity: Capacity | None = None


class RoomUpdate(Strict):
    name: Name | None = None
    capacity: Capacity | None = None
    archived: bool | None = None


class RoomRead(Read):
    id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    capacity: int | None
    archived: bool
    version: int


class RoomLesson(LessonRead):
    """A lesson held in a room, with its group's name: one busy slot of the room."""

    group_name: str


class SettingsRead(Read):
    makeup_days: int
    time_zone: str
    version: int


class SettingsUpdate(Strict):
    makeup_days: Annotated[WholeNumber, Field(ge=0, le=365)]
