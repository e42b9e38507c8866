"""The SMTP channel keeps a few connections open between letters, replaces one the server
has closed without losing the letter, and does not keep one idle too long; its letters are
what the email package would write."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from email import policy
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from notifications_svc.channels.base import Outgoing
from notifications_svc.channels.email import WIRE, SmtpEmail, letter

from .conftest import free_port


class Server:
    """A real SMTP server (aiosmtpd) that notes the connection each letter came over."""

    def __init__(self) -> None:
        self.port = free_port()
        self.letters: list[tuple[tuple[str, int], bytes]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.letters.append((session.peer, envelope.content))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def connections(self) -> int:
        return len({peer for peer, _ in self.letters})


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    running.start()
    yield running
    running.stop()


def outgoing(n: int) -> Outgoing:
    return Outgoing(
        message_id=str(uuid.uuid4()),
        address=f"parent{n}@example.com",
        subject=f"Płatność {n}",
        text="Dzień dobry",
        html="<p>Dzień dobry</p>",
        headers={"List-Unsubscribe": "<https://school.example.com/u/" + "x" * 90 + ">"},
    )


def test_letters_share_kept_connections(server: Server) -> None:
    async def scenario() -> None:
        email = SmtpEmail(f"smtp://127.0.0.1:{server.port}", "Szkoła <s@example.com>", 5, 2)
        await asyncio.gather(*(email.send(outgoing(n)) for n in range(20)))
        await email.close()

    asyncio.run(scenario())
    assert len(server.letters) == 20
    assert 1 <= server.connections <= 2
    raw = server.letters[0][1]
    assert b"\r\nList-Unsubscribe: <https://school.example.com/u/" + b"x" * 90 + b">\r\n" in raw


def test_a_connection_the_server_closed_is_replaced_without_losing_the_letter(
    server: Server,
) -> None:
    async def scenario() -> None:
        email = SmtpEmail(f"smtp://127.0.0.1:{server.port}", "s@example.com", 5, 1)
        await email.send(outgoing(1))
        server.stop()  # the kept connection dies with the server
        server.start()
        await email.send(outgoing(2))
        await email.close()

    asyncio.run(scenario())
    assert [content.count(b"parent") > 0 for _, content in server.letters] == [True, True]
    assert server.connections == 2


def test_a_connection_idle_too_long_is_not_reused(server: Server) -> None:
    now = [0.0]

    async def scenario() -> None:
        email = SmtpEmail(
            f"smtp://127.0.0.1:{server.port}", "s@example.com", 5, 1, 30.0, lambda: now[0]
        )
        await email.send(outgoing(1))
        now[0] = 10.0
        await email.send(outgoing(2))  # still fresh: the same connection
        now[0] = 45.0
        await email.send(outgoing(3))  # idle 35 s: a new one
        await email.close()

    asyncio.run(scenario())
    peers = [peer for peer, _ in server.letters]
    assert peers[0] == peers[1]
    assert peers[2] != peers[1]


def test_a_letter_is_written_as_the_email_package_would_write_it() -> None:
    """The letter's parts and one-line headers are written without the email package's
    general machinery (MIMEText, Header folding); they come out as it writes them."""
    compat = compat32.clone(max_line_length=None, linesep="\r\n")
    for text in ("Dzień dobry, Ola!", "Здравствуйте, Анна! " * 40, "", "a\r\nb\n\nc"):
        made = letter(
            Outgoing(str(uuid.uuid4()), "p@example.com", "Płatność", text, f"<p>{text}</p>"),
            "Szkoła <s@example.com>",
        )
        plain, html = made.get_payload()
        for part, subtype, body in ((plain, "plain", text), (html, "html", f"<p>{text}</p>")):
            expected = MIMEText(body, subtype, "utf-8", policy=compat)
            assert part.as_bytes(policy=WIRE) == expected.as_bytes(policy=compat)
        parsed = BytesParser(policy=policy.default).parsebytes(made.as_bytes(policy=WIRE))
        assert str(parsed["Subject"]) == "Płatność"
    for name, value in (
        ("List-Unsubscribe", "<https://school.example.com/u/" + "x" * 90 + ">"),
        ("To", "a  b@example.com"),
        ("Subject", "=?utf-8?q?P=C5=82atno=C5=9B=C4=87?="),
        ("Subject", "=?utf-8?b?" + "0J/RgNC40LLQtdGC" * 8 + "?=\n =?utf-8?b?0J/RgNC4?="),
    ):
        assert WIRE.fold_binary(name, value) == compat.fold_binary(name, value)
