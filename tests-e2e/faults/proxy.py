"""A TCP proxy of the fault run's own between the services and a shared server (PostgreSQL,
RabbitMQ), so faults hit only this run: cut every connection through it (each with a reset,
as a crashed peer or a dropped network would), or refuse new ones for a while (a server
that is down), without touching the server other runs use."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from crm_devrun.ports import free_port

CHUNK = 64 * 1024


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Proxy:
    def __init__(self, name: str, target_host: str, target_port: int) -> None:
        self.name = name
        self.target = (target_host, target_port)
        self.port = free_port()
        self.accepted = 0
        self.cut_count = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    async def start(self) -> None:
        """Listen (again): new connections go through to the server."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", self.port, reuse_address=True
            )

    async def refuse(self) -> None:
        """Stop listening: new connections are refused, as by a server that is down."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def cut(self) -> int:
        """Reset every open connection at once; returns how many there were."""
        pairs = list(self._pairs)
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)
        self._pairs.clear()
        self.cut_count += len(pairs)
        return len(pairs)

    async def close(self) -> None:
        await self.refuse()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        self.accepted += 1
        pair = (writer, up_writer)
        self._pairs.add(pair)
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
                self._tasks.discard(task)
            if pair in self._pairs:
                self._pairs.discard(pair)
                for w in pair:
                    with contextlib.suppress(Exception):
                        w.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ConnectionError):
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
