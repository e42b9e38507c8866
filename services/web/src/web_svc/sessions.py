"""Sessions in encrypted cookies: the person's tokens never reach the page's scripts.

Staff and portal sessions are separate cookies (each on its own path) and realms. A cookie
is HttpOnly, SameSite=Lax and Secure when the caller came over https. CSRF: every form
and every htmx request carries the token of a separate HttpOnly cookie (double submit),
and SameSite keeps other sites' forms from sending the cookies in the first place.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson
from cryptography.fernet import Fernet, InvalidToken

Realm = Literal["staff", "portal"]
COOKIES: dict[Realm, tuple[str, str]] = {
    "staff": ("crm_staff", "/app"),
    "portal": ("crm_my", "/my"),
}
CSRF_COOKIE = "crm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LANG_COOKIE = "crm_lang"
# The portal's organisation (no secret: it is in the sign-in address the school hands out),
# so that an expired session and the installed app's start find their school's sign-in.
ORG_COOKIE = "crm_my_org"
ORG_MAX_AGE_SECONDS = 365 * 24 * 3600
# Refresh a little before the access token runs out, so no API call meets an expired one.
REFRESH_MARGIN_SECONDS = 30
SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600  # the refresh token's life


@dataclass
class Session:
    realm: Realm
    access: str
    refresh: str
    expires_at: float
    # staff: id, name, role, finances_hidden; portal: login, client ids
    person: dict[str, Any] = field(default_factory=dict)
    # id, name, currency, time_zone, locale
    org: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None

    def needs_refresh(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at - REFRESH_MARGIN_SECONDS

    def with_tokens(self, tokens: dict[str, Any]) -> Session:
        return Session(
            realm=self.realm,
            access=str(tokens["access_token"]),
            refresh=str(tokens["refresh_token"]),
            expires_at=time.time() + int(tokens["expires_in"]),
            person=self.person,
            org=self.org,
            lang=self.lang,
        )


class SessionBox:
    """Seals and opens session cookies (Fernet: AES-CBC with an HMAC, keyed by the secret)."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(f"crm-web-session:{secret}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._csrf_key = hashlib.sha256(f"crm-web-csrf:{secret}".encode()).digest()

    def seal(self, session: Session) -> str:
        return self._fernet.encrypt(orjson.dumps(asdict(session))).decode("ascii")

    def open(self, value: str | None, realm: Realm) -> Session | None:
        if not value:
            return None
        try:
            raw = self._fernet.decrypt(value.encode("ascii"), ttl=SESSION_MAX_AGE_SECONDS)
            data = orjson.loads(raw)
            session = Session(**data)
        except (InvalidToken, ValueError, TypeError, UnicodeEncodeError):
            return None
        return session if session.realm == realm else None

    def seal_note(self, note: dict[str, str]) -> str:
        """A short message to the next page (a secret shown once), sealed as a session is."""
        return self._fernet.encrypt(orjson.dumps(note)).decode("ascii")

    def open_note(self, value: str | None, max_age_seconds: int) -> dict[str, str] | None:
        if not value:
            return None
        try:
            note = orjson.loads(self._fernet.decrypt(value.encode("ascii"), ttl=max_age_seconds))
        except (InvalidToken, ValueError, UnicodeEncodeError):
            return None
        return {str(k): str(v) for k, v in note.items()} if isinstance(note, dict) else None

    def new_csrf(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._csrf_sign(nonce)}"

    def csrf_valid(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
            return False
        nonce, _, signature = cookie.partition(".")
        return hmac.compare_digest(signature, self._csrf_sign(nonce))

    def _csrf_sign(self, nonce: str) -> str:
        return hmac.new(self._csrf_key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


class RefreshFailedError(Exception):
    pass


class Refresher:
    """One refresh per refresh token, however many requests find the access token stale.

    Refresh tokens rotate and a used one presented again ends the whole session (the
    identity service takes it for a stolen copy): requests that arrive together with the
    same old cookie share one refresh, and the answer is kept briefly for the stragglers.
    """

    KEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._done: dict[str, tuple[float, dict[str, Any]]] = {}

    async def tokens(self, refresh_token: str, call: Any) -> dict[str, Any]:
        now = time.monotonic()
        kept = self._done.get(refresh_token)
        if kept is not None and now - kept[0] < self.KEEP_SECONDS:
            return kept[1]
        running = self._running.get(refresh_token)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._running[refresh_token] = future
        try:
            tokens: dict[str, Any] = await call(refresh_token)
        except BaseException as exc:
            future.set_exception(RefreshFailedError(str(exc)))
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise RefreshFailedError(str(exc)) from exc
        finally:
            self._running.pop(refresh_token, None)
        future.set_result(tokens)
        if len(self._done) > 10_000:
            self._done = {k: v for k, v in self._done.items() if now - v[0] < self.KEEP_SECONDS}
        self._done[refresh_token] = (now, tokens)
        return tokens
