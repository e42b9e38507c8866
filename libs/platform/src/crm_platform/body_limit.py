"""One limit on request bodies for every route of a service, the fast routes included: a
body past MAX_BODY_BYTES is a 413 problem document, whether its length was announced or
only found while reading. (Starlette's own limit answers in plain text.)"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_platform.errors import ProblemError, problem_response
from crm_platform.http_protocol import MAX_BODY_BYTES

TITLE = "Content Too Large"
DETAIL = f"bodies are limited to {MAX_BODY_BYTES} bytes"


def too_large() -> ProblemError:
    return ProblemError(413, TITLE, DETAIL)


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = dict(scope["headers"]).get(b"content-length", b"")
        if announced.isdigit() and int(announced) > MAX_BODY_BYTES:
            await problem_response(413, TITLE, DETAIL, instance=scope["path"])(scope, receive, send)
            return
        size = 0

        async def limited() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > MAX_BODY_BYTES:
                    raise too_large()
            return message

        await self.app(scope, limited, send)
