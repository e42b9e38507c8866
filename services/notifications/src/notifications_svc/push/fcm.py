"""Firebase Cloud Messaging, HTTP v1: a service account's RS256-signed JWT is exchanged for an
OAuth2 access token (kept until a minute before it expires), then one POST per device to
/v1/projects/{project}/messages:send. 404 (UNREGISTERED) and 410 mean the token is dead;
429 and 5xx are tried again later (Retry-After honoured); a 401 drops the cached token."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from notifications_svc.domain.retries import DeliveryError

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class ServiceAccount:
    project_id: str
    client_email: str
    private_key: rsa.RSAPrivateKey
    private_key_id: str
    token_uri: str

    @classmethod
    def from_file(cls, path: str) -> ServiceAccount:
        data = json.loads(Path(path).read_text())
        key = serialization.load_pem_private_key(data["private_key"].encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the FCM service account's private_key is not an RSA key")
        return cls(
            project_id=data["project_id"],
            client_email=data["client_email"],
            private_key=key,
            private_key_id=data.get("private_key_id", ""),
            token_uri=data.get("token_uri", "https://oauth2.googleapis.com/token"),
        )

    def assertion(self, now: int) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.private_key_id}
        claims = {
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3600,
        }
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self.private_key.sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{b64url(signature)}"


def retry_after(response: httpx.Response) -> float | None:
    wait = response.headers.get("retry-after", "")
    return float(wait) if wait.isdigit() else None


class FcmClient:
    def __init__(self, account: ServiceAccount, api_url: str, timeout: float = 10.0) -> None:
        self.account = account
        self.send_url = f"{api_url.rstrip('/')}/v1/projects/{account.project_id}/messages:send"
        self.http = httpx.AsyncClient(timeout=timeout, trust_env=False)
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self.http.aclose()

    async def _access_token(self) -> str:
        async with self._lock:
            if self._token and time.time() < self._expires - 60:
                return self._token
            now = int(time.time())
            form = {"grant_type": GRANT, "assertion": self.account.assertion(now)}
            try:
                response = await self.http.post(self.account.token_uri, data=form)
            except httpx.HTTPError as exc:
                reason = f"FCM token exchange unreachable: {type(exc).__name__}"
                raise DeliveryError(reason, transient=True) from exc
            status = response.status_code
            if status != 200:
                raise DeliveryError(
                    f"FCM token exchange {status}: {response.text[:200]}",
                    transient=status == 429 or status >= 500,
                    wait_seconds=retry_after(response),
                )
            answer = response.json()
            self._token = str(answer["access_token"])
            self._expires = now + float(answer.get("expires_in", 3600))
            return self._token

    async def send(self, token: str, title: str, body: str, data: dict[str, str]) -> str:
        message: dict[str, Any] = {
            "token": token,
            "notification": {"title": title, "body": body},
            "data": data,
        }
        bearer = await self._access_token()
        try:
            response = await self.http.post(
                self.send_url,
                json={"message": message},
                headers={"Authorization": f"Bearer {bearer}"},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"FCM unreachable: {type(exc).__name__}", transient=True) from exc
        status = response.status_code
        if status == 200:
            return str(response.json().get("name", ""))
        reason = f"FCM {status}: {response.text[:200]}"
        if status in (404, 410):
            raise DeliveryError(reason, transient=False, address_gone=True)
        if status == 401:
            self._token = ""
            raise DeliveryError(reason, transient=True)
        transient = status == 429 or status >= 500
        raise DeliveryError(reason, transient=transient, wait_seconds=retry_after(response))
