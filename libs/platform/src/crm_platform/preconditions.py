"""Optimistic concurrency: resources carry a version; writes send it back in If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from crm_platform.errors import ProblemError, invalid_fields

IfMatch = Annotated[str | None, Header(alias="If-Match")]
_VERSION = re.compile(r"[0-9]{1,18}")  # ASCII digits, within a BIGINT


def version_of(if_match: str | None) -> int | None:
    """The version an If-Match header names (`"3"`, `W/"3"` or `3`); None when absent."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if _VERSION.fullmatch(value) is None:
        raise invalid_fields(
            [("If-Match", "not a version")],
            "header",
            detail="If-Match must be the resource version",
        )
    return int(value)


def required_version(if_match: str | None) -> int:
    """The version an If-Match header names; 428 when the header is missing."""
    version = version_of(if_match)
    if version is None:
        raise ProblemError(428, "Precondition Required", "send If-Match with the version you read")
    return version


def check_version(current: int, if_match: int | None) -> None:
    """428 when the caller sent no version, 412 when the resource changed since it read it."""
    if if_match is None:
        raise ProblemError(428, "Precondition Required", "send If-Match with the version you read")
    if if_match != current:
        raise ProblemError(
            412, "Precondition Failed", "changed since you read it; reload and retry"
        )
