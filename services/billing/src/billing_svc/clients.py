"""Clients as billing knows them (from the clients context's events), scoped by tenant."""

from __future__ import annotations

import uuid

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
    client = await session.get(Client, client_id)
    if client is None:
        model = Client
        insert = (
            postgresql.insert(model)
            if session.get_bind().dialect.name == "postgresql"
            else sqlite.insert(model)
        )
        await session.execute(
            insert.values(
                id=client_id,
                tenant_id=tenant_id,
                first_name="",
                last_name="",
                status="active",
            ).on_conflict_do_nothing()
        )
        client = await session.get(Client, client_id)
    if client is None or client.tenant_id != tenant_id:
        raise NotFoundError("client")
    return client
