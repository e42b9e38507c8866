"""The HTTP protocol every server runs: one write per answer, the same bytes, through a
real uvicorn server."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn

from crm_platform.http_protocol import HTTP_PROTOCOL, CoalescingTransport, HttpProtocol


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0


async def test_writes_of_one_turn_go_out_as_one_and_close_sends_what_waits() -> None:
    loop = asyncio.get_running_loop()
    real = Recorder()
    transport = CoalescingTransport(real, loop)
    transport.write(b"HTTP/1.1 201 Created\r\n\r\n")
    transport.write(b'{"id": 1}')
    assert real.writes == []
    assert transport.get_write_buffer_size() == 33
    await asyncio.sleep(0)  # the loop's turn ends
    assert real.writes == [b'HTTP/1.1 201 Created\r\n\r\n{"id": 1}']
    transport.write(b"last")
    transport.close()
    assert real.writes[-1] == b"last"
    assert real.closed


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    answer = b"you sent " + (await receive()).get("body", b"")
    length = str(len(answer)).encode()
    await send(
        {"type": "http.response.start", "status": 201, "headers": [(b"content-length", length)]}
    )
    await send({"type": "http.response.body", "body": answer})


async def test_a_server_with_it_answers_requests_on_one_connection() -> None:
    config = uvicorn.Config(_app, http=HTTP_PROTOCOL, log_level="warning", lifespan="on")
    config.load()
    assert config.http_protocol_class is HttpProtocol  # what `--http` names resolves
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    listening.listen()  # connections wait in the backlog until the server takes them
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers = []
        for n in range(3):
            body = str(n).encode()
            writer.write(
                b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            answers.append((head.split(b"\r\n")[0], await reader.readexactly(length)))
        writer.close()
        assert answers == [(b"HTTP/1.1 201 Created", b"you sent %d" % n) for n in range(3)]
    finally:
        server.should_exit = True
        await serving
