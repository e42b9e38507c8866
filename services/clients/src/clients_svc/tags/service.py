"""Tags (free-form labels put on clients) and the custom fields an organisation defines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from clients_svc.access import MANAGERS, WRITERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.cards.views import CardViews
from clients_svc.context import Context
from clients_svc.domain.text import fold
from clients_svc.history.service import History
from clients_svc.models import Client, CustomField, Tag
from clients_svc.tags import schemas
from clients_svc.tags.repository import TagsRepository
from crm_contracts.events.clients import ClientUpdated
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError, invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role


@dataclass
class Tags:
    ctx: Context

    @property
    def repo(self) -> TagsRepository:
        return TagsRepository(self.ctx.session)

    @property
    def views(self) -> CardViews:
        return CardViews(self.ctx)

    async def all_tags(self, principal: Principal) -> list[Tag]:
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        return await self.repo.tags(tenant)

    async def create(self, principal: Principal, body: schemas.TagCreate) -> Tag:
        require_role(principal, *WRITERS)
        tenant = principal.require_tenant()
        return await self.add(tenant, body.name)

    async def add(self, tenant_id: uuid.UUID, name: str) -> Tag:
        name = " ".join(name.split())
        key = fold(name)
        if await self.repo.tag_by_key(tenant_id, key) is not None:
            raise ConflictError(f"a tag named {name!r} already exists")
        tag = Tag(
            id=uuid7(), tenant_id=tenant_id, name=name, name_key=key, created_at=self.ctx.now()
        )
        self.ctx.session.add(tag)
        try:
            async with self.ctx.session.begin_nested():
                await self.ctx.session.flush()
        except IntegrityError:
            raise ConflictError(f"a tag named {name!r} already exists") from None
        return tag

    async def rename(self, principal: Principal, tag_id: uuid.UUID, body: schemas.TagUpdate) -> Tag:
        require_role(principal, *MANAGERS)
        tenant = principal.require_tenant()
        tag = await self.repo.tag(tenant, tag_id)
        if tag is None:
            raise NotFoundError("tag")
        name = " ".join(body.name.split())
        same = await self.repo.tag_by_key(tenant, fold(name))
        if same is not None and same.id != tag.id:
            raise ConflictError(f"a tag named {name!r} already exists")
        tag.name, tag.name_key = name, fold(name)
        await self.ctx.session.flush()
        return tag

    async def delete(self, principal: Principal, tag_id: uuid.UUID) -> None:
        """Takes the tag off every client and removes it."""
        require_role(principal, *MANAGERS)
        tenant = principal.require_tenant()
        tag = await self.repo.tag(tenant, tag_id)
        if tag is None:
            raise NotFoundError("tag")
        tagged = await self.repo.clients_with_tag(tag.id)
        await CardsRepository(self.ctx.session).drop_tag_everywhere(tag.id)
        await self.ctx.session.delete(tag)
        await self.ctx.session.flush()
        for client_id in tagged:
            client = await CardsRepository(self.ctx.session).client_in_tenant(tenant, client_id)
            if client is not None:
                await self.ctx.emit(
                    tenant, client.id, ClientUpdated(**await self.views.state(client))
                )

    async def put_on(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.ClientTagsReplace
    ) -> Client:
        """The client's tags become exactly these."""
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        known = await self.repo.known_tag_ids(client.tenant_id, body.tag_ids)
        errors = [
            (f"tag_ids.{i}", "no such tag in this organisation")
            for i, t in enumerate(body.tag_ids)
            if t not in known
        ]
        if errors:
            raise invalid_fields(errors, detail="unknown tag")
        before = {
            t.id: t.name
            for t in (await CardsRepository(self.ctx.session).tags_of([client.id]))[client.id]
        }
        await CardsRepository(self.ctx.session).set_tags(client.id, body.tag_ids)
        after = {
            t.id: t.name
            for t in (await CardsRepository(self.ctx.session).tags_of([client.id]))[client.id]
        }
        if before.keys() == after.keys():
            return client
        added = sorted(after[t] for t in after.keys() - before.keys())
        removed = sorted(before[t] for t in before.keys() - after.keys())
        parts = ([f"+{', +'.join(added)}"] if added else []) + (
            [f"-{', -'.join(removed)}"] if removed else []
        )
        History(self.ctx).record(
            client,
            "other",
            "client.tags_changed",
            f"Tags: {'; '.join(parts)}",
            data={"added": added, "removed": removed},
            actor=actor_of(principal),
        )
        client.version += 1
        client.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(
            client.tenant_id, client.id, ClientUpdated(**await self.views.state(client))
        )
        return client


@dataclass
class CustomFields:
    ctx: Context

    @property
    def repo(self) -> TagsRepository:
        return TagsRepository(self.ctx.session)

    async def all_fields(self, principal: Principal) -> list[CustomField]:
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        return await self.repo.custom_fields(tenant)

    async def create(self, principal: Principal, body: schemas.CustomFieldCreate) -> CustomField:
        require_role(principal, *MANAGERS)
        tenant = principal.require_tenant()
        if any(f.key == body.key for f in await self.repo.custom_fields(tenant)):
            raise invalid("key", "this organisation already has a field with this key")
        row = CustomField(
            id=uuid7(),
            tenant_id=tenant,
            key=body.key,
            label=body.label,
            kind=body.kind,
            choices=list(body.choices),
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(row)
        await self.ctx.session.flush()
        return row

    async def delete(self, principal: Principal, field_id: uuid.UUID) -> None:
        """The definition goes; values already on cards stay (and are shown as they were)."""
        require_role(principal, *MANAGERS)
        row = await self.repo.custom_field(principal.require_tenant(), field_id)
        if row is None:
            raise NotFoundError("custom field")
        await self.ctx.session.delete(row)
        await self.ctx.session.flush()
