"""A fake Telegram Bot API: an HTTP server the real BotApi client talks to. It records every
call and answers ok, or what a test queued for a chat (a 429 with retry_after, a 403)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .conftest import free_port


class FakeBotApi:
    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[tuple[str, dict[str, Any], float]] = []
        self.queued: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._next_id = 1
        app = Starlette(routes=[Route("/bot{token}/{method}", self._answer, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "fake Bot API did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def queue(self, chat_id: str, status: int, body: dict[str, Any]) -> None:
        with self._lock:
            self.queued[chat_id].append((status, body))

    def sent_to(self, chat_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                p for m, p, _ in self.calls if m == "sendMessage" and str(p["chat_id"]) == chat_id
            ]

    async def _answer(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        payload = await request.json()
        chat = str(payload.get("chat_id", ""))
        with self._lock:
            if self.queued.get(chat):
                status, body = self.queued[chat].pop(0)
                self.calls.append((f"{method}!{status}", payload, time.time()))
                return JSONResponse(body, status_code=status)
            self.calls.append((method, payload, time.time()))
            self._next_id += 1
            message_id = self._next_id
        if method == "getUpdates":
            await asyncio.sleep(0.05)
            return JSONResponse({"ok": True, "result": []})
        return JSONResponse({"ok": True, "result": {"message_id": message_id}})
