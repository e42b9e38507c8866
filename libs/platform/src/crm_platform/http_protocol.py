"""uvicorn's httptools protocol, with a connection's writes of one event-loop turn sent as
one.

uvicorn writes an answer's head and its body with a system call each, and each call wakes
the peer; on a small JSON answer the second costs as much as the rest of the send. Here
the writes are gathered until the loop's current turn ends and then written at once: the
same bytes in the same order, one call per answer. Every server process runs with
`--http crm_platform.http_protocol:HttpProtocol` (HTTP_PROTOCOL; deploy/, crm_devrun and
the benchmarks).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HTTP_PROTOCOL = "crm_platform.http_protocol:HttpProtocol"
# How long a server keeps an idle keep-alive connection open (uvicorn's default, pinned here
# whatever a runner configures): a client pool must forget idle connections sooner.
KEEP_ALIVE_SECONDS = 5
# The largest request body a service reads, on every route (the fast ones too): above the
# gateway's largest route limit (a client import's upload, 21 MiB).
MAX_BODY_BYTES = 25 * 1024 * 1024


class CoalescingTransport:
    """Stands in for a connection's transport: writes wait for the end of the loop's turn;
    everything else goes straight through."""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return int(self._transport.get_write_buffer_size()) + sum(map(len, self._pending))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout_keep_alive = KEEP_ALIVE_SECONDS

    def connection_made(self, transport: Any) -> None:
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
