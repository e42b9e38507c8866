"""One unit of work's tools (libs' UnitOfWork: the session, the outbox, the clock), with
identity's settings and signing keys."""

from __future__ import annotations

from dataclasses import dataclass

from crm_messaging import UnitOfWork
from identity_svc.settings import Settings
from identity_svc.tokens.keys import Keys


@dataclass(kw_only=True)
class Context(UnitOfWork):
    settings: Settings
    keys: Keys
