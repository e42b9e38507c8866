"""Registry of event payload types, keyed by (type, version)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

P = TypeVar("P", bound="EventPayload")


class EventPayload(BaseModel):
    """Base of every event payload. Unknown fields are kept so old consumers read new events."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int]


class UnknownEventTypeError(KeyError):
    pass


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[tuple[str, int], type[EventPayload]] = {}

    def register(self, event_type: str, version: int = 1) -> Callable[[type[P]], type[P]]:
        def decorate(cls: type[P]) -> type[P]:
            key = (event_type, version)
            if key in self._types and self._types[key] is not cls:
                raise ValueError(f"event {event_type} v{version} registered twice")
            cls.event_type = event_type
            cls.event_version = version
            self._types[key] = cls
            return cls

        return decorate

    def get(self, event_type: str, version: int) -> type[EventPayload]:
        try:
            return self._types[(event_type, version)]
        except KeyError:
            raise UnknownEventTypeError(f"{event_type} v{version}") from None

    def __contains__(self, key: tuple[str, int]) -> bool:
        return key in self._types

    def __iter__(self) -> Iterator[tuple[tuple[str, int], type[EventPayload]]]:
        return iter(sorted(self._types.items()))

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        return {f"{t}@v{v}": cls.model_json_schema() for (t, v), cls in self}


registry = EventRegistry()
