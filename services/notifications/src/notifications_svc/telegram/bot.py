"""The bot's side of a conversation: binding a chat to clients, /stop, and absences.

- `/start <payload>`: a single-use, expiring link made for a client; the bot then asks for
  the person's phone with a request_contact button.
- the contact: only the sender's own (contact.user_id == from.id); its phone binds the chat
  through the clients service's messenger binding (which answers a mismatch clearly).
- `/stop`: no more reminders or news in this chat (transactional messages still come).
- `/absent` or the button: the journal excuses the next lesson of each client bound here
  and the bot answers with the make-up window.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx

from crm_platform.db import Database
from crm_platform.logs import get_logger
from notifications_svc.channels.telegram import BotApi
from notifications_svc.domain.retries import DeliveryError
from notifications_svc.domain.triggers import CATEGORIES
from notifications_svc.internal_calls import InternalCalls
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client
from notifications_svc.readmodels import ReadModels
from notifications_svc.telegram import links

log = get_logger(__name__)
ABSENT = "I will miss my next lesson"
SHARE = "Share my phone number"
ASK_CONTACT = {
    "keyboard": [[{"text": SHARE, "request_contact": True}]],
    "one_time_keyboard": True,
    "resize_keyboard": True,
}
MAIN = {"keyboard": [[{"text": ABSENT}]], "resize_keyboard": True}


class Bot:
    def __init__(
        self,
        database: Database,
        api: BotApi,
        calls: InternalCalls,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.api = api
        self.calls = calls
        self.clock = clock

    async def reply(self, chat_id: str, text: str, markup: dict[str, Any] | None = None) -> None:
        try:
            await self.api.send_text(chat_id, text, markup)
        except DeliveryError as error:
            log.warning("telegram_reply_failed", reason=error.reason)

    async def handle(self, update: dict[str, Any]) -> None:
        message = update.get("message")
        if not isinstance(message, dict) or "chat" not in message:
            return
        chat = message["chat"]
        chat_id = str(chat.get("id"))
        if chat.get("type") != "private":
            await self.reply(chat_id, "Please write to me in a private chat.")
            return
        sender = message.get("from") or {}
        if "contact" in message:
            await self.contact(chat_id, sender, message["contact"])
            return
        text = str(message.get("text") or "").strip()
        command, _, argument = text.partition(" ")
        if command == "/start":
            await self.start(chat_id, argument.strip())
        elif command == "/stop":
            await self.stop(chat_id)
        elif command == "/absent" or text == ABSENT:
            await self.absent(chat_id)
        else:
            await self.reply(
                chat_id,
                "I send the school's messages here. /absent: tell the school you will miss"
                " your next lesson. /stop: no more reminders here.",
            )

    async def start(self, chat_id: str, payload: str) -> None:
        if not payload:
            await self.reply(chat_id, "Open the link your school sent you to connect this chat.")
            return
        now = self.clock()
        async with self.database.unit_of_work() as session:
            link = await links.find(session, payload)
            if link is None:
                answer = "This link is not valid. Ask your school for a new one."
            elif link.used_at is not None:
                answer = "This link has already been used. Ask your school for a new one."
            elif link.expires_at <= now:
                answer = "This link has expired. Ask your school for a new one."
            else:
                link.chat_id = chat_id
                answer = ""
        if answer:
            await self.reply(chat_id, answer)
            return
        await self.reply(
            chat_id,
            "To connect this chat, share your phone number with the button below. It must be"
            " the number your school has on your card.",
            ASK_CONTACT,
        )

    async def contact(self, chat_id: str, sender: dict[str, Any], contact: dict[str, Any]) -> None:
        if contact.get("user_id") is None or contact.get("user_id") != sender.get("id"):
            await self.reply(
                chat_id,
                "Please share your own phone number with the button below, not someone"
                " else's contact.",
                ASK_CONTACT,
            )
            return
        async with self.database.unit_of_work() as session:
            link = await links.pending_for_chat(session, chat_id, self.clock())
            if link is None:
                await self.reply(chat_id, "Open the link your school sent you first.")
                return
            try:
                answer = await self.calls.post(
                    "clients",
                    "/internal/v1/clients/messenger-bindings",
                    {
                        "organisation_id": str(link.tenant_id),
                        "channel": "telegram",
                        "chat_id": chat_id,
                        "phone": str(contact.get("phone_number") or ""),
                    },
                )
            except httpx.HTTPError:
                await self.reply(chat_id, "The school cannot be reached. Please try again later.")
                return
            if answer.status_code == 200:
                link.used_at = self.clock()
                names = ", ".join(answer.json()["names"])
                text, markup = f"Connected: {names}. The school's messages will come here.", MAIN
            elif answer.status_code in (404, 422):
                body = answer.json()
                found = body.get("errors") or [{}]
                text = str(found[0].get("message") or body.get("detail") or "not found")
                text, markup = f"This chat was not connected: {text}.", ASK_CONTACT
            else:
                text, markup = "The school cannot be reached. Please try again later.", None
        await self.reply(chat_id, text, markup)

    async def _bound(self, chat_id: str) -> list[Client]:
        async with self.database.unit_of_work() as session:
            return await ReadModels(session).bound_to(chat_id)

    async def stop(self, chat_id: str) -> None:
        clients = await self._bound(chat_id)
        if not clients:
            await self.reply(chat_id, "This chat is not connected to a school.")
            return
        async with self.database.unit_of_work() as session:
            repo = MessagesRepository(session)
            for client in clients:
                for category in CATEGORIES:
                    if category != "transactional":
                        await repo.add_opt_out(
                            client.tenant_id,
                            client.id,
                            category,
                            "telegram",
                            source="telegram",
                            created_at=self.clock(),
                        )
        await self.reply(
            chat_id,
            "Done: no more reminders or news here. Messages you ask for still come.",
        )

    async def absent(self, chat_id: str) -> None:
        clients = await self._bound(chat_id)
        if not clients:
            await self.reply(chat_id, "This chat is not connected to a school.")
            return
        lines = []
        for client in clients:
            lines.append(await self._absence(client.tenant_id, client.id, client.first_name))
        await self.reply(chat_id, "\n".join(lines), MAIN)

    async def _absence(self, tenant_id: uuid.UUID, client_id: uuid.UUID, name: str) -> str:
        try:
            answer = await self.calls.post(
                "journal",
                "/internal/v1/journal/absences",
                {"organisation_id": str(tenant_id), "client_id": str(client_id)},
            )
        except httpx.HTTPError:
            return f"{name}: the school cannot be reached. Please try again later."
        if answer.status_code == 404:
            return f"{name}: there is no upcoming lesson to miss."
        if answer.status_code != 200:
            return f"{name}: {answer.json().get('detail', 'not possible now')}."
        body = answer.json()
        day = date.fromisoformat(body["lesson_date"]).strftime("%d.%m.%Y")
        until = date.fromisoformat(body["makeup_until"]).strftime("%d.%m.%Y")
        return (
            f"{name}: the lesson on {day} at {body['starts_at']} is marked as excused."
            f" You can make it up until {until}."
        )
