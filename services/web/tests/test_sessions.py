"""Session cookies are sealed, bound to their realm and expire; CSRF tokens are ours only;
concurrent requests with one stale token share a single refresh."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from web_svc.sessions import Refresher, RefreshFailedError, Session, SessionBox


def session(realm: str = "staff") -> Session:
    return Session(
        realm=realm,  # type: ignore[arg-type]
        access="access-token",
        refresh="refresh-token",
        expires_at=time.time() + 900,
        person={"id": "u1", "name": "Olga", "role": "owner"},
        org={"currency": "PLN", "time_zone": "Europe/Warsaw", "locale": "pl"},
    )


def test_a_sealed_session_opens_only_with_its_key_and_realm() -> None:
    box = SessionBox("one secret")
    sealed = box.seal(session())
    assert "access-token" not in sealed  # encrypted, not only signed
    opened = box.open(sealed, "staff")
    assert opened is not None
    assert opened.person["role"] == "owner"
    assert box.open(sealed, "portal") is None  # a staff cookie is no portal session
    assert SessionBox("another secret").open(sealed, "staff") is None
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    assert box.open(tampered, "staff") is None
    assert box.open("", "staff") is None
    assert box.open("not base64 at all ☃", "staff") is None


def test_refresh_is_due_shortly_before_the_access_token_runs_out() -> None:
    s = session()
    assert not s.needs_refresh()
    s.expires_at = time.time() + 10
    assert s.needs_refresh()
    renewed = s.with_tokens({"access_token": "a2", "refresh_token": "r2", "expires_in": 900})
    assert (renewed.access, renewed.refresh, renewed.person) == ("a2", "r2", s.person)
    assert not renewed.needs_refresh()


def test_csrf_tokens_are_signed_and_must_match_the_cookie() -> None:
    box = SessionBox("one secret")
    token = box.new_csrf()
    assert box.csrf_valid(token, token)
    assert not box.csrf_valid(token, box.new_csrf())
    assert not box.csrf_valid(token, None)
    forged = "chosen-by-attacker.0123456789abcdef0123456789abcdef"
    assert not box.csrf_valid(forged, forged)
    assert not SessionBox("another secret").csrf_valid(token, token)


async def test_requests_with_the_same_stale_token_share_one_refresh() -> None:
    calls: list[str] = []
    release = asyncio.Event()

    async def call(refresh_token: str) -> dict[str, Any]:
        calls.append(refresh_token)
        await release.wait()
        return {"access_token": "new", "refresh_token": f"after-{refresh_token}", "expires_in": 900}

    refresher = Refresher()
    waiting = [asyncio.create_task(refresher.tokens("old", call)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    answers = await asyncio.gather(*waiting)
    assert calls == ["old"]
    assert {a["refresh_token"] for a in answers} == {"after-old"}
    # A request that still carried the old cookie a moment later gets the same answer.
    assert (await refresher.tokens("old", call))["refresh_token"] == "after-old"
    assert calls == ["old"]


async def test_a_refused_refresh_fails_every_waiting_request() -> None:
    async def call(refresh_token: str) -> dict[str, Any]:
        await asyncio.sleep(0)
        raise RuntimeError("invalid refresh token")

    refresher = Refresher()
    results = await asyncio.gather(
        *(refresher.tokens("revoked", call) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RefreshFailedError) for r in results)
    with pytest.raises(RefreshFailedError):
        await refresher.tokens("revoked", call)  # not remembered as a success
