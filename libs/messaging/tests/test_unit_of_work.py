"""The unit of work every service's context extends: its clock and the organisation's day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from crm_messaging import Outbox, UnitOfWork
from crm_platform.clock import date_in, zone_of

NOW = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
TENANT = uuid.uuid4()


def test_the_date_is_the_zones_and_utcs_when_the_zone_is_unknown() -> None:
    assert date_in("Europe/Warsaw", NOW) == date(2026, 4, 1)
    assert date_in("America/New_York", NOW) == date(2026, 3, 31)
    assert date_in("Nowhere/Atlantis", NOW) == date(2026, 3, 31)
    assert date_in("", NOW) == date(2026, 3, 31)
    assert (zone_of("Europe/Warsaw").key, zone_of("Nowhere/Atlantis").key) == (
        "Europe/Warsaw",
        "UTC",
    )


@dataclass(kw_only=True)
class Warsaw(UnitOfWork):
    settings: str

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        return "Europe/Warsaw"


async def test_a_context_adds_its_own_fields_and_says_its_organisations_zone() -> None:
    session, outbox = cast(Any, object()), cast(Outbox, object())
    plain = UnitOfWork(session, outbox, lambda: NOW)
    assert plain.now() == NOW
    assert await plain.today(TENANT) == date(2026, 3, 31)
    own = Warsaw(session, outbox, lambda: NOW, settings="s")
    assert (own.settings, await own.today(TENANT)) == ("s", date(2026, 4, 1))
    assert await own.today_at(TENANT, datetime(2026, 3, 31, 12, tzinfo=UTC)) == date(2026, 3, 31)
    assert UnitOfWork(session, outbox).now().tzinfo is UTC
