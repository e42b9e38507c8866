"""Email: multipart text + HTML over SMTP (aiosmtplib), or into the development mailbox
(one .eml file per letter under var/mailbox) when no SMTP server is configured."""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.retries import DeliveryError


def letter(message: Outgoing, mail_from: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    domain = mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost"
    # the same message id on every attempt: a receiver can drop a repeat
    mail["Message-ID"] = make_msgid(idstring=message.message_id, domain=domain)
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


class SmtpEmail:
    name = "email"

    def __init__(self, url: str, mail_from: str, timeout: float) -> None:
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
        # built once: loading the CA bundle for every letter costs milliseconds of CPU each
        self.tls = ssl.create_default_context()

    async def send(self, message: Outgoing) -> str:
        mail = letter(message, self.mail_from)
        try:
            errors, _reply = await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                start_tls=None,  # STARTTLS when the server offers it
                tls_context=self.tls,
                timeout=self.timeout,
            )
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
        if errors:
            raise DeliveryError(f"recipient refused: {errors}", transient=False)
        return str(mail["Message-ID"])


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

    def _write(self, name: str, mail: EmailMessage) -> None:
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
