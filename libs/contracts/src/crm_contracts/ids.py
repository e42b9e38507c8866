"""Identifiers: time-ordered UUIDv7 (RFC 9562) for everything we generate."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_POOL_BYTES = 4096
_pool = b""
_taken = _POOL_BYTES


def _random_bits() -> int:
    """64 bits from the OS's CSPRNG, read 4 KiB at a time (one system call per 512 ids);
    the caller holds the lock."""
    global _pool, _taken
    if _taken >= _POOL_BYTES:
        _pool, _taken = os.urandom(_POOL_BYTES), 0
    _taken += 8
    return int.from_bytes(_pool[_taken - 8 : _taken], "big")


def _forget_pool() -> None:
    """A forked child must not draw the random bits its parent draws."""
    global _taken
    _taken = _POOL_BYTES


os.register_at_fork(after_in_child=_forget_pool)


def uuid7() -> uuid.UUID:
    """A UUIDv7 that is strictly increasing within this process.

    48 bits of Unix milliseconds, then a 12-bit counter that orders ids made in the same
    millisecond (RFC 9562 method 1), then 62 random bits.
    """
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = _random_bits() & 0x1FF
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
        rand = _random_bits() & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return uuid.UUID(int=value)
