"""The plan's limit on active clients."""

from __future__ import annotations

import uuid

from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.readmodels import ReadModels
from crm_contracts.plans import plan_limits
from crm_platform.errors import ProblemError


async def ensure_capacity(ctx: Context, tenant_id: uuid.UUID, adding: int) -> None:
    """A plan may limit the active (not archived) clients; refuse going over. Until
    identity has told of the organisation, the free plan's limit holds."""
    org = await ReadModels(ctx.session).organisation(tenant_id)
    plan = org.plan if org is not None else "free"
    limit = org.max_active_clients if org is not None else plan_limits(plan).active_clients
    if limit is None or adding <= 0:
        return
    # Serialise concurrent creations in one organisation so the count holds.
    await ctx.lock(f"clients-plan:{tenant_id}")
    active = await CardsRepository(ctx.session).count_active(tenant_id)
    if active + adding > limit:
        raise ProblemError(
            409,
            "Conflict",
            f"the {plan} plan allows {limit} active clients and this organisation has "
            f"{active}; archive a client or ask for a larger plan",
            type_="https://school-crm.example/problems/plan-limit",
        )
