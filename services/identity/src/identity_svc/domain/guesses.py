"""How long a sign-in waits after failed guesses: the first few are free, then each further
one waits twice as long as the one before, up to a ceiling."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# An address an account signed in from is known to it for this long.
KNOWN_ADDRESS_FOR = timedelta(days=30)


def wait_seconds(
    count: int,
    latest: datetime | None,
    free: int,
    now: datetime,
    first_delay: float,
    max_delay: float,
) -> int | None:
    """Whole seconds the next attempt must wait after `count` failures (the latest at
    `latest`) of which `free` cost nothing; None when it may go ahead now."""
    if count < free or latest is None:
        return None
    delay = min(first_delay * 2.0 ** (count - free), max_delay)
    wait = (latest - now).total_seconds() + delay
    return max(1, math.ceil(wait)) if wait > 0 else None
