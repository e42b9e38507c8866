"""The Telegram Bot API over httpx: the telegram channel, and the calls the bot makes.

A 429 is waited out (retry_after), 5xx and timeouts are tried again later, a 403 (the bot was
blocked, the user deactivated) stops sending to that chat for good."""

from __future__ import annotations

from typing import Any

import httpx

from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.retries import DeliveryError
from notifications_svc.domain.split import split_text


class BotApi:
    def __init__(self, api_url: str, token: str, timeout: float = 10.0) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.http = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, payload: dict[str, Any], wait: float | None = None) -> Any:
        """`wait`: how long this call may take (a long poll's), else the client's timeout."""
        try:
            response = await self.http.post(
                f"{self.base}/{method}",
                json=payload,
                timeout=wait if wait is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"Telegram unreachable: {type(exc).__name__}", transient=True
            ) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and answer.get("ok"):
            return answer.get("result")
        description = str(answer.get("description") or response.reason_phrase)
        status = response.status_code
        if status == 429:
            wait = (answer.get("parameters") or {}).get("retry_after")
            raise DeliveryError(
                f"Telegram 429: {description}",
                transient=True,
                wait_seconds=float(wait) if wait is not None else None,
            )
        if status == 403:
            raise DeliveryError(f"Telegram 403: {description}", transient=False, address_gone=True)
        raise DeliveryError(f"Telegram {status}: {description}", transient=status >= 500)

    async def send_text(
        self, chat_id: str, text: str, reply_markup: dict[str, Any] | None = None
    ) -> list[int]:
        """Sends `text` in as many messages as it needs; the ids Telegram gave them."""
        ids = []
        pieces = split_text(text)
        for n, piece in enumerate(pieces):
            payload: dict[str, Any] = {"chat_id": chat_id, "text": piece}
            if reply_markup is not None and n == len(pieces) - 1:
                payload["reply_markup"] = reply_markup
            result = await self.call("sendMessage", payload)
            ids.append(int(result["message_id"]))
        return ids


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: BotApi) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> str:
        ids = await self.bot.send_text(message.address, message.text)
        return ",".join(str(i) for i in ids)
