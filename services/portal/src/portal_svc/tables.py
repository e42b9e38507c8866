"""The declarative base every table of the portal's metadata derives from (models.py, and
the knowledge centre's knowledge/tables.py)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from crm_platform.db import UtcDateTime, new_metadata

TZ = UtcDateTime()


class Base(DeclarativeBase):
    metadata = new_metadata()
