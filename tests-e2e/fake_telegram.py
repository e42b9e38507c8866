"""A fake Telegram Bot API for the whole system's run: notifications' bot sends its answers
here (every call recorded), and tests hand the bot updates through the gateway's webhook as
Telegram would, with the webhook's secret token."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm_devrun.ports import free_port

BOT_USERNAME = "e2e_school_bot"
WEBHOOK_SECRET = "e2e-webhook-secret"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class FakeTelegram:
    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/bot{token}/{method}", self._answer, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def env(self, ports: Mapping[str, int]) -> dict[str, str]:
        """Notifications' settings: the bot on, its API here, and the services it calls."""
        return {
            "NOTIFICATIONS_TELEGRAM_BOT_TOKEN": "123456:e2e",
            "NOTIFICATIONS_TELEGRAM_BOT_USERNAME": BOT_USERNAME,
            "NOTIFICATIONS_TELEGRAM_API_URL": f"http://127.0.0.1:{self.port}",
            "NOTIFICATIONS_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "NOTIFICATIONS_CLIENTS_URL": f"http://127.0.0.1:{ports['clients']}",
            "NOTIFICATIONS_JOURNAL_URL": f"http://127.0.0.1:{ports['journal']}",
        }

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the fake Telegram API did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def texts_to(self, chat_id: int) -> list[str]:
        with self._lock:
            return [
                str(p.get("text"))
                for m, p in self.calls
                if m == "sendMessage" and str(p.get("chat_id")) == str(chat_id)
            ]

    async def _answer(self, request: Request) -> JSONResponse:
        payload = await request.json()
        with self._lock:
            self.calls.append((request.path_params["method"], payload))
            message_id = len(self.calls)
        return JSONResponse({"ok": True, "result": {"message_id": message_id}})


TELEGRAM = FakeTelegram()
