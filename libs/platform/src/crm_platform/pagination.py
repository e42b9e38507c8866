"""Cursor pagination on time-ordered ids: every list uses the same keyset helper."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from crm_platform.errors import invalid_fields

T = TypeVar("T")
MAX_LIMIT = 200

LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
CursorParam = Annotated[str | None, Query(max_length=64, description="from next_cursor")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class WholeList(BaseModel):
    """The same list shape for an answer that holds its whole list (a client's own records,
    the best few of a ranked choice): add to a model with `items`; `next_cursor` is null."""

    next_cursor: None = Field(default=None, description="always null: this is the whole list")


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise invalid_fields(
            [("cursor", "invalid cursor")], "query", detail="invalid cursor"
        ) from None


def keyset(
    query: Select[Any], id_column: InstrumentedAttribute[uuid.UUID], cursor: str | None, limit: int
) -> Select[Any]:
    """Rows after the cursor in id order, one more than the page to know if another follows."""
    if cursor:
        query = query.where(id_column > decode_cursor(cursor))
    return query.order_by(id_column).limit(limit + 1)


def page(rows: list[Any], limit: int, id_of: Any = lambda r: r.id) -> tuple[list[Any], str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(id_of(rows[-1]))
    return rows, None
