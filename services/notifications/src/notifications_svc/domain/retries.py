"""When to try a failed message again. Transient failures (a 4xx reply from the SMTP server,
a timeout, a refused connection, 429, 5xx from an HTTP API) wait the next delay in turn;
permanent ones (a 5xx SMTP reply, a refused address) and a spent budget fail for good."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta


class DeliveryError(Exception):
    """A channel could not hand the message over."""

    def __init__(
        self,
        reason: str,
        *,
        transient: bool,
        wait_seconds: float | None = None,
        address_gone: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        # the address is dead for good (a blocked bot, an expired push token): forget it
        self.address_gone = address_gone
        # the provider told us how long to wait (Telegram's retry_after)
        self.wait_seconds = wait_seconds


def next_attempt(
    error: DeliveryError, attempts: int, delays: Sequence[float], now: datetime
) -> datetime | None:
    """When to try again after `attempts` failed tries, or None: the message has failed."""
    if not error.transient or attempts > len(delays):
        return None
    wait = delays[attempts - 1]
    if error.wait_seconds is not None:
        wait = max(wait, error.wait_seconds)
    return now + timedelta(seconds=wait)
