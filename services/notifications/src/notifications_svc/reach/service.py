"""How a client can be reached now, for staff: each channel's state and, per category, the
channel a message would take (the dispatcher's own choice, so the answer is what sending
would do)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, cast

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from notifications_svc.access import sees_client
from notifications_svc.context import Context
from notifications_svc.domain.triggers import CATEGORIES, DEFAULT_CHANNEL_ORDER
from notifications_svc.messages.dispatch import Dispatch
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client
from notifications_svc.optouts.repository import OptOutsRepository
from notifications_svc.push.repository import PushRepository
from notifications_svc.reach import schemas
from notifications_svc.readmodels import ReadModels


async def visible_client(ctx: Context, principal: Principal, client_id: Any) -> Client:
    """The client, if the caller may see it (its home branch, its groups and their
    branches); anything else is 404 as a client that does not exist."""
    models = ReadModels(ctx.session)
    client = await models.find_client(client_id)
    if client is None:
        raise NotFoundError("client")
    enrolments = await models.enrolments_of(client.id)
    groups = {group for group, _ in enrolments}
    if not sees_client(principal, client, groups, [branch for _, branch in enrolments]):
        raise NotFoundError("client")
    return client


async def reach(ctx: Context, principal: Principal, client_id: Any) -> schemas.ReachRead:
    client = await visible_client(ctx, principal, client_id)
    org = await MessagesRepository(ctx.session).organisation(client.tenant_id)
    settings = org.settings if org is not None else {}
    order = list(settings.get("channel_order") or DEFAULT_CHANNEL_ORDER)
    opted: dict[str, list[str]] = defaultdict(list)
    for opt_out in await OptOutsRepository(ctx.session).of_client(client.id):
        opted[opt_out.channel].append(opt_out.category)
    devices = await PushRepository(ctx.session).devices(client.id)
    kinds = Counter((d.kind, d.platform) for d in devices)
    return schemas.ReachRead(
        client_id=client.id,
        channel_order=cast(Any, order),
        telegram=schemas.TelegramReach(
            bound=client.telegram_chat_id is not None and not client.telegram_blocked,
            bound_since=client.telegram_bound_at if client.telegram_chat_id else None,
            blocked=client.telegram_chat_id is not None and client.telegram_blocked,
            opted_out=cast(Any, opted["telegram"]),
        ),
        push=schemas.PushReach(
            devices=len(devices),
            by_kind=[
                schemas.DeviceCount(kind=cast(Any, kind), platform=cast(Any, platform), count=n)
                for (kind, platform), n in sorted(kinds.items())
            ],
            last_registered_at=max((d.created_at for d in devices), default=None),
            opted_out=cast(Any, opted["push"]),
        ),
        email=schemas.EmailReach(
            present=client.email is not None, opted_out=cast(Any, opted["email"])
        ),
        sms=schemas.SmsReach(
            present=client.phone is not None,
            enabled=bool(settings.get("sms_enabled")),
            opted_out=cast(Any, opted["sms"]),
        ),
        routes=[await _route(ctx, client, category, order) for category in CATEGORIES],
    )


async def _route(ctx: Context, client: Client, category: str, order: list[str]) -> schemas.Route:
    if client.status == "archived":
        return schemas.Route(
            category=cast(Any, category), channel=None, then=[], reason="client archived"
        )
    dispatch = Dispatch(ctx)
    taken: list[str] = []
    reason: str | None = None
    rest = order
    while rest:
        channel, _, why = await dispatch.first_reachable(client, category, rest)
        if why is not None:
            reason = why
            break
        taken.append(channel)
        rest = rest[rest.index(channel) + 1 :]
    return schemas.Route(
        category=cast(Any, category),
        channel=cast(Any, taken[0]) if taken else None,
        then=cast(Any, taken[1:]),
        reason=None if taken else reason,
    )
