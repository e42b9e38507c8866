"""The client history: sections, and ids that sort by when a thing happened."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Literal

Section = Literal["visits", "finances", "events", "other"]
SECTIONS: tuple[Section, ...] = ("visits", "finances", "events", "other")


def uuid7_at(moment: datetime) -> uuid.UUID:
    """A UUIDv7 for `moment` (its milliseconds, then random bits), so that history entries
    learnt late from another context still sort by when they happened."""
    ms = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = ms << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
