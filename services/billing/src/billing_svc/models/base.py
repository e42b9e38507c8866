"""What every table of billing shares: the declarative base (with optimistic versions), the
UTC datetime column and the big integer (an ordinary integer on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer
from sqlalchemy.orm import DeclarativeBase

from crm_platform.db import OptimisticVersions, UtcDateTime, new_metadata

TZ = UtcDateTime()
BIG = BigInteger().with_variant(Integer, "sqlite")


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}
