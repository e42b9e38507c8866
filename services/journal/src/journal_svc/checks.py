"""Refusals shared by every use case, as problem documents with clear reasons."""

from __future__ import annotations

from crm_platform.errors import ConflictError, ProblemError, invalid_fields


def conflict(detail: str, errors: list[tuple[str, str]] | None = None) -> ProblemError:
    """The request is well formed but the journal's state refuses it (a clash, a full group)."""
    if not errors:
        return ConflictError(detail)
    return invalid_fields(errors, status=409, detail=detail)
