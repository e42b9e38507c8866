"""Background loops wait for a wake or a poll interval; a stop must always stop them."""

from __future__ import annotations

import asyncio

import pytest

from crm_platform.periodic import wait_awhile


async def test_a_cancel_that_arrives_with_the_wake_stops_the_wait() -> None:
    # asyncio.wait_for on Python 3.11 returned normally here, so the loop went on forever.
    wake = asyncio.Event()
    waiting = asyncio.create_task(wait_awhile(wake, 60))
    await asyncio.sleep(0)  # let it start waiting
    wake.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_the_wait_ends_with_the_wake_or_the_interval() -> None:
    wake = asyncio.Event()
    wake.set()
    await wait_awhile(wake, 60)  # at once: already woken
    await wait_awhile(asyncio.Event(), 0.01)  # the interval passes without a wake
