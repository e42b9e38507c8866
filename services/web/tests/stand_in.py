"""A stand-in for the gateway's public API in the web's unit tests: a real HTTP server on
127.0.0.1 that the web's own gateway client talks to. A test's subclass answers each request
(`answer`) and keeps what it wants to check; the server, the JSON replies and the thread are
here, once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from web_svc.main import create_app
from web_svc.sessions import COOKIES, Realm, Session
from web_svc.settings import Settings

NOT_FOUND = (404, {"title": "Not Found"})


@dataclass(frozen=True)
class Asked:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class StandInGateway(ThreadingHTTPServer):
    # A page asks a dozen things at once: socketserver's backlog of 5 would drop some
    # connections, which the client retries a second later.
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, asked: Asked) -> tuple[int, Any]:
        """The status and JSON body (None: no body) for one request."""
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    server: StandInGateway

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        asked = Asked(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        status, body = self.server.answer(asked)
        data = b"" if body is None or status == 204 else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:
        return None


Server = TypeVar("Server", bound=StandInGateway)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def session_of(realm: Realm, person: dict[str, Any], org: dict[str, Any]) -> Session:
    return Session(realm, "access", "refresh", time.time() + 3600, person, org)


@contextmanager
def web_client(
    gateway: StandInGateway, session: Session | None = None, mark_untranslated: bool = True
) -> Iterator[TestClient]:
    """The web app on the stand-in, signed in with `session` when one is given."""
    app = create_app(Settings(gateway_url=gateway.url, mark_untranslated=mark_untranslated))
    with TestClient(app, follow_redirects=False) as client:
        if session is not None:
            name, path = COOKIES[session.realm]
            client.cookies.set(name, app.state.sessions.seal(session), path=path)
        yield client
