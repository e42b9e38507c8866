"""Clients as billing knows them (from the clients context's events), scoped by tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import Client
from crm_platform.errors import NotFoundError


async def ensure_client(
    session: AsyncSession, tenant_id: uuid.UUID, client_id: uuid.UUID
) -> Client:
    """The client's row; a stub when billing has not seen the client's events yet (the
    gateway has checked the client belongs to the caller's organisation). A client of
    another organisation is not found."""
    client = (await ensure_clients(session, {(tenant_id, client_id)})).get(client_id)
    if client is None:
        raise NotFoundError("client")
    return client


async def ensure_clients(
    session: AsyncSession, wanted: set[tuple[uuid.UUID, uuid.UUID]]
) -> dict[uuid.UUID, Client]:
    """ensure_client for many (tenant, client) pairs in a few statements: the rows found,
    by client id; a client of another organisation is left out."""
    ids = {client_id for _, client_id in wanted}
    found = {c.id: c for c in (await session.scalars(select(Client).where(Client.id.in_(ids))))}
    missing = sorted(pair for pair in wanted if pair[1] not in found)
    if missing:
        insert = (
            postgresql.insert(Client)
            if session.get_bind().dialect.name == "postgresql"
            else sqlite.insert(Client)
        )
        await session.execute(
            insert.values(
                [
                    {
                        "id": client_id,
                        "tenant_id": tenant_id,
                        "first_name": "",
                        "last_name": "",
                        "status": "active",
                    }
                    for tenant_id, client_id in missing
                ]
            ).on_conflict_do_nothing()
        )
        added = select(Client).where(Client.id.in_([c for _, c in missing]))
        found |= {c.id: c for c in await session.scalars(added)}
    return {
        client_id: found[client_id]
        for tenant_id, client_id in wanted
        if client_id in found and found[client_id].tenant_id == tenant_id
    }
