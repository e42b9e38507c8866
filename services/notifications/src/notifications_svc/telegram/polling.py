"""Long polling for development: getUpdates in a loop instead of a webhook (Telegram refuses
getUpdates while a webhook is set, so it is removed first)."""

from __future__ import annotations

import asyncio
import contextlib

from crm_platform.logs import get_logger
from notifications_svc.channels.telegram import BotApi
from notifications_svc.domain.retries import DeliveryError
from notifications_svc.telegram.bot import Bot

log = get_logger(__name__)
LONG_POLL_SECONDS = 25


class TelegramPolling:
    name = "telegram_polling"
    advisory = True  # Telegram being away does not make the service unready

    def __init__(self, api: BotApi, bot: Bot) -> None:
        self.api = api
        self.bot = bot
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        offset = 0
        with contextlib.suppress(DeliveryError):
            await self.api.call("deleteWebhook", {})
        while True:
            try:
                updates = await self.api.call(
                    "getUpdates",
                    {"offset": offset, "timeout": LONG_POLL_SECONDS},
                    wait=LONG_POLL_SECONDS + 10,
                )
                for update in updates:
                    offset = max(offset, int(update["update_id"]) + 1)
                    await self.bot.handle(update)
            except DeliveryError as error:
                log.warning("telegram_polling_failed", reason=error.reason)
                await asyncio.sleep(error.wait_seconds or 5)
            except Exception:
                log.exception("telegram_update_failed")
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def ready(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("telegram polling is not running")
