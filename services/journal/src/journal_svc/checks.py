"""Refusals shared by every use case, as problem documents with clear reasons."""

from __future__ import annotations

from crm_platform.errors import ConflictError, ProblemError


def invalid(field: str, message: str, where: str = "body") -> ProblemError:
    """Bad input that only the service can judge (an unknown room, a date out of range)."""
    return invalid_fields([(field, message)], where)


def invalid_fields(errors: list[tuple[str, str]], where: str = "body") -> ProblemError:
    return ProblemError(
        422,
        "Unprocessable Content",
        "; ".join(f"{f}: {m}" for f, m in errors),
        errors=[{"field": f, "in": where, "message": m} for f, m in errors],
    )


def conflict(detail: str, errors: list[tuple[str, str]] | None = None) -> ProblemError:
    """The request is well formed but the journal's state refuses it (a clash, a full group)."""
    if not errors:
        return ConflictError(detail)
    return ProblemError(
        409,
        "Conflict",
        detail,
        errors=[{"field": f, "in": "body", "message": m} for f, m in errors],
    )
