"""Fake push providers on one HTTP server, spoken to by the real FCM and Web Push clients:
Google's OAuth2 token endpoint (checks the service account's RS256 assertion), FCM HTTP v1's
messages:send (checks the bearer token), and a Web Push service that checks the VAPID
Authorization header and decrypts the aes128gcm body with the browser's keys. Each answers
what a test queued for a device (404, 410, 429, 503), else accepts."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import http_ece
import uvicorn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .conftest import free_port

PROJECT = "school-crm-test"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: the keys it made, the endpoint the service gave."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


class FakePushProviders:
    def __init__(self) -> None:
        self.port = free_port()
        self.google_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fcm_sent: list[dict[str, Any]] = []
        self.pushed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.browsers: dict[str, Browser] = {}
        self.token_exchanges = 0
        self.refusals: list[str] = []
        self.vapid_keys: set[str] = set()
        self._tokens: set[str] = set()
        self.queued: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        self._lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/v1/projects/{project}/messages:send", self._fcm, methods=["POST"]),
                Route("/push/{sub}", self._push, methods=["POST"]),
            ]
        )
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def service_account(self) -> dict[str, str]:
        pem = self.google_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "key-1",
            "private_key": pem,
            "client_email": f"sender@{PROJECT}.iam.gserviceaccount.com",
            "token_uri": f"{self.url}/token",
        }

    def browser(self, name: str) -> Browser:
        browser = Browser(endpoint=f"{self.url}/push/{name}")
        self.browsers[name] = browser
        return browser

    def queue(self, device: str, status: int, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self.queued[device].append((status, headers or {}))

    def fcm_to(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.fcm_sent if m["token"] == token]

    def pushed_to(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.pushed[name])

    def _queued(self, device: str) -> Response | None:
        with self._lock:
            if not self.queued.get(device):
                return None
            status, headers = self.queued[device].pop(0)
        return JSONResponse({"error": {"code": status}}, status_code=status, headers=headers)

    def _refuse(self, why: str, status: int = 401) -> Response:
        with self._lock:
            self.refusals.append(why)
        return JSONResponse({"error": why}, status_code=status)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._refuse("grant_type", 400)
        signing_input, _, signature = str(form.get("assertion", "")).rpartition(".")
        try:
            self.google_key.public_key().verify(
                b64url_decode(signature),
                signing_input.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return self._refuse("assertion signature", 400)
        claims = json.loads(b64url_decode(signing_input.split(".")[1]))
        if claims["aud"] != f"{self.url}/token" or "firebase.messaging" not in claims["scope"]:
            return self._refuse("assertion claims", 400)
        if not claims["iat"] <= time.time() + 5 < claims["exp"]:
            return self._refuse("assertion times", 400)
        with self._lock:
            self.token_exchanges += 1
            token = f"ya29.fake-{self.token_exchanges}"
            self._tokens.add(token)
        return JSONResponse({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    async def _fcm(self, request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if request.path_params["project"] != PROJECT or bearer not in self._tokens:
            return self._refuse("fcm bearer")
        message = (await request.json())["message"]
        queued = self._queued(message["token"])
        if queued is not None:
            return queued
        with self._lock:
            self.fcm_sent.append(message)
            n = len(self.fcm_sent)
        return JSONResponse({"name": f"projects/{PROJECT}/messages/{n}"})

    async def _push(self, request: Request) -> Response:
        name = request.path_params["sub"]
        auth = request.headers.get("authorization", "")
        scheme, _, params = auth.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in params.split(",")) if params else {}
        if scheme != "vapid" or not Vapid02.verify(auth):
            return self._refuse("vapid signature")
        claims = json.loads(b64url_decode(parts["t"].split(".")[1]))
        if claims["aud"] != self.url or claims["exp"] < time.time() or "sub" not in claims:
            return self._refuse("vapid claims", 403)
        if request.headers.get("content-encoding") != "aes128gcm" or not request.headers.get("ttl"):
            return self._refuse("headers", 400)
        queued = self._queued(name)
        if queued is not None:
            return queued
        browser = self.browsers[name]
        body = await request.body()
        plain = http_ece.decrypt(
            body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
        )
        with self._lock:
            self.vapid_keys.add(parts["k"])
            self.pushed[name].append(json.loads(plain))
        return Response(status_code=201, headers={"Location": f"{self.url}/msg/{name}"})

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "fake push providers did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
