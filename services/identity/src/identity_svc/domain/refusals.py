"""The refusals of sign-in that every way in shares: a wrong secret, too many guesses."""

from __future__ import annotations

from crm_platform.errors import ProblemError

INVALID_CREDENTIALS = "invalid email or password"


class TooManyAttemptsError(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "Too Many Requests",
            "too many failed sign-ins; try again later",
            headers={"Retry-After": str(retry_after)},
        )


class SignInRefusedError(ProblemError):
    """Refusals whose bookkeeping (failure counts, revocations) must still be committed."""

    def __init__(self, detail: str = INVALID_CREDENTIALS) -> None:
        super().__init__(401, "Unauthorized", detail, keep_changes=True)
