"""Messages from the journal: a make-up about to expire, a comment made visible to the client,
a seat offered from a group's waitlist."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.journal import (
    CommentVisible,
    MakeupExpiring,
    WaitlistSeatOffered,
)
from notifications_svc.consumers.base import dispatch_for as _dispatch
from notifications_svc.consumers.base import handlers
from notifications_svc.messages.dispatch import Reason, Recipient
from notifications_svc.readmodels import ReadModels


@handlers.on(MakeupExpiring)
async def makeup_expiring(
    session: AsyncSession, envelope: EventEnvelope, p: MakeupExpiring
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="makeup_expiring",
            occurrence=str(p.mark_id),
            recipient=Recipient(client_id=p.client_id),
            variables={
                "lesson_date": p.lesson_date.isoformat(),
                "makeup_until": p.makeup_until.isoformat(),
            },
        )
    )


@handlers.on(CommentVisible)
async def comment_visible(
    session: AsyncSession, envelope: EventEnvelope, p: CommentVisible
) -> None:
    # once per comment: an edit or hiding and showing it again writes no second letter
    if not p.visible_to_client:
        return
    clients = (
        [p.client_id]
        if p.client_id is not None
        else await ReadModels(session).group_clients(envelope.tenant_id, p.group_id)
    )
    dispatch = _dispatch(session)
    for client_id in clients:
        await dispatch.enqueue(
            Reason(
                tenant_id=envelope.tenant_id,
                trigger="comment_visible",
                occurrence=str(p.comment_id),
                recipient=Recipient(client_id=client_id),
                variables={"comment": p.body},
            )
        )


@handlers.on(WaitlistSeatOffered)
async def waitlist_seat_offered(
    session: AsyncSession, envelope: EventEnvelope, p: WaitlistSeatOffered
) -> None:
    # an entry is offered a seat once: declining it leaves the list
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="waitlist_seat_offered",
            occurrence=str(p.entry_id),
            recipient=Recipient(client_id=p.client_id),
            variables={"group": p.group_name},
        )
    )
