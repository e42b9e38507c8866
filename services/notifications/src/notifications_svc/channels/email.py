"""Email: multipart text + HTML over SMTP (aiosmtplib), or into the development mailbox
(one .eml file per letter under var/mailbox) when no SMTP server is configured."""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
import uuid
from collections.abc import Callable
from email import base64mime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.policy import Compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.retries import DeliveryError


class _Unfolded(Compat32):
    """compat32 writing a one-line ASCII header as it is, without running it through
    email.header.Header to fold it (no folding is asked for): that cost more than the rest
    of the letter. Other headers go the compat32 way."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


# Headers as given, not folded (a folded List-Unsubscribe URL reached readers with a space),
# lines ended as SMTP wants them.
WIRE = _Unfolded(max_line_length=None, linesep="\r\n")


@functools.lru_cache(maxsize=8)
def _sender(mail_from: str) -> tuple[str, str]:
    """The From header and the bare address."""
    name, address = parseaddr(mail_from)
    return formataddr((name, address), charset="utf-8"), address


@functools.lru_cache(maxsize=256)
def _subject(subject: str) -> str:
    """Encoded once for all the letters of a broadcast."""
    return Header(subject, "utf-8").encode()


def _text_part(text: str, subtype: str) -> Message:
    """What MIMEText(text, subtype, "utf-8") makes (base64, so no line of it can start
    with the boundary), without its parsing of the headers it has just set."""
    part = Message(policy=WIRE)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["MIME-Version"] = "1.0"
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64mime.body_encode(text.encode("utf-8")))
    return part


def letter(message: Outgoing, mail_from: str) -> Message:
    """The letter in the compat32 classes: the modern EmailMessage API parses every header
    it is given and cost several milliseconds a letter, more than the SMTP exchange. The
    boundary is chosen here (its parts are base64): the generator would otherwise compile
    a regular expression for each letter to find one absent from its text."""
    boundary = f"==============={uuid.uuid4().hex}=="
    mail = MIMEMultipart("alternative", boundary=boundary, policy=WIRE)
    from_header, address = _sender(mail_from)
    mail["From"] = from_header
    mail["To"] = message.address
    mail["Subject"] = _subject(message.subject)
    mail["Date"] = formatdate(localtime=False)
    domain = address.rsplit("@", 1)[-1] or "localhost"
    # the same message id on every attempt: a receiver can drop a repeat
    mail["Message-ID"] = make_msgid(idstring=message.message_id, domain=domain)
    for header, value in message.headers.items():
        mail[header] = value
    mail.attach(_text_part(message.text, "plain"))
    mail.attach(_text_part(message.html, "html"))
    return mail


class SmtpEmail:
    """Letters over a few kept-open SMTP connections: opening one (connect, EHLO, STARTTLS,
    AUTH) for every letter made a broadcast crawl. A connection idle too long, or one the
    server dropped, is replaced; one that saw an error is not reused."""

    name = "email"

    def __init__(
        self,
        url: str,
        mail_from: str,
        timeout: float,
        connections: int = 4,
        idle_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("smtp_url must start with smtp:// or smtps://")
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from = mail_from
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self.clock = clock
        # built once: loading the CA bundle for every letter costs milliseconds of CPU each
        self.tls = ssl.create_default_context()
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    async def send(self, message: Outgoing) -> str:
        mail = letter(message, self.mail_from)
        envelope = (_sender(self.mail_from)[1], [message.address], mail.as_bytes(policy=WIRE))
        async with self._slots:
            try:
                client, errors = await self._hand_over(envelope)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [r.code for r in exc.recipients]
                transient = all(400 <= c < 500 for c in codes)
                raise DeliveryError(f"recipient refused: {exc}", transient=transient) from exc
            except aiosmtplib.SMTPResponseException as exc:
                raise DeliveryError(
                    f"SMTP {exc.code}: {exc.message}", transient=400 <= exc.code < 500
                ) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                raise DeliveryError(f"SMTP server unreachable: {exc}", transient=True) from exc
            self._idle.append((client, self.clock()))
        if errors:
            raise DeliveryError(f"recipient refused: {errors}", transient=False)
        return str(mail["Message-ID"])

    async def _hand_over(
        self, envelope: tuple[str, list[str], bytes]
    ) -> tuple[aiosmtplib.SMTP, dict[str, Any]]:
        """On a kept connection, or a new one when none is kept or the server has closed
        the kept one meanwhile. A connection that saw an error is closed, not kept."""
        reused = self._take()
        if reused is not None:
            try:
                errors, _reply = await reused.sendmail(*envelope)
                return reused, dict(errors)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                reused.close()
            except BaseException:
                reused.close()
                raise
        client = await self._connect()
        try:
            errors, _reply = await client.sendmail(*envelope)
        except BaseException:
            client.close()
            raise
        return client, dict(errors)

    def _take(self) -> aiosmtplib.SMTP | None:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and self.clock() - since < self.idle_seconds:
                return client
            client.close()
        return None

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=None,  # STARTTLS when the server offers it
            tls_context=self.tls,
            timeout=self.timeout,
        )
        await client.connect()
        return client

    async def close(self) -> None:
        while self._idle:
            client, _since = self._idle.pop()
            await _quietly_close(client)


async def _quietly_close(client: aiosmtplib.SMTP) -> None:
    if client.is_connected:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


class DevMailbox:
    """Letters as files, for `make run` without an SMTP server: one .eml each, newest last."""

    name = "email"

    def __init__(self, folder: Path, mail_from: str) -> None:
        self.folder = folder
        self.mail_from = mail_from

    async def send(self, message: Outgoing) -> str:
        mail = letter(message, self.mail_from)
        await asyncio.to_thread(self._write, message.message_id, mail)
        return str(mail["Message-ID"])

    def _write(self, name: str, mail: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.eml").write_bytes(bytes(mail))


def read_mailbox(folder: Path, limit: int) -> list[dict[str, Any]]:
    """The newest letters of the development mailbox, newest first."""
    from email import policy
    from email.parser import BytesParser

    if not folder.exists():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    out = []
    for path in files[:limit]:
        mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = mail.get_body(preferencelist=("plain",))
        out.append(
            {
                "id": path.stem,
                "to": str(mail["To"]),
                "subject": str(mail["Subject"]),
                "date": str(mail["Date"]),
                "text": body.get_content() if body is not None else "",
                "headers": {k: str(v) for k, v in mail.items()},
            }
        )
    return out
