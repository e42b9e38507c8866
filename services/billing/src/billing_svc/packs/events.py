"""A pack's state as published, and its history rows."""

from __future__ import annotations

import uuid
from typing import Any

from billing_svc.context import Context
from billing_svc.models import Pack, PackEvent
from billing_svc.packs.repository import PacksRepository
from crm_contracts.events.billing import PackChanged
from crm_contracts.ids import uuid7


def state(pack: Pack) -> dict[str, Any]:
    return {
        "pack_id": pack.id,
        "client_id": pack.client_id,
        "service_id": pack.service_id,
        "name": pack.name,
        "kind": pack.kind,
        "classes_total": pack.classes_total,
        "classes_left": pack.classes_left,
        "starts_on": pack.starts_on,
        "ends_on": pack.ends_on,
        "status": pack.status,
        "shared": pack.shared,
        "members": [uuid.UUID(str(m)) for m in pack.members],
    }


async def history(
    ctx: Context,
    pack: Pack,
    kind: str,
    *,
    by: str,
    entry_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    ctx.session.add(
        PackEvent(
            id=uuid7(),
            tenant_id=pack.tenant_id,
            pack_id=pack.id,
            client_id=pack.client_id,
            kind=kind,
            detail={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in detail.items()},
            entry_id=entry_id,
            by=by,
            at=ctx.now(),
        )
    )


async def pack_changed(
    ctx: Context,
    pack: Pack,
    change: str,
    *,
    by: str,
    entry_id: uuid.UUID | None = None,
    other_client_id: uuid.UUID | None = None,
    mark_id: uuid.UUID | None = None,
    classes_delta: int = 0,
    recorded_as: str | None = None,
    **detail: Any,
) -> None:
    """Publishes the pack's new state and records the change in its history (as
    `recorded_as` when the history names it more precisely than the published change)."""
    await PacksRepository(ctx.session).reload(pack)
    await history(
        ctx,
        pack,
        recorded_as or change,
        by=by or "system",
        entry_id=entry_id,
        other_client_id=other_client_id,
        mark_id=mark_id,
        classes_delta=classes_delta,
        **detail,
    )
    await ctx.emit(
        pack.tenant_id,
        pack.id,
        PackChanged(
            **state(pack),
            change=change,
            entry_id=entry_id,
            other_client_id=other_client_id,
            mark_id=mark_id,
            classes_delta=classes_delta,
        ),
    )
