"""Catalogue use cases. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing_svc.access import can_read, can_write, visibility
from billing_svc.catalogue import schemas
from billing_svc.catalogue.repository import CatalogueRepository
from billing_svc.context import Context
from billing_svc.models import Service
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, invalid
from crm_platform.internal_auth import Principal
from crm_platform.preconditions import check_version


def to_read(service: Service, currency: str) -> schemas.ServiceRead:
    period = (
        schemas.Period(unit=service.period_unit, count=service.period_count)
        if service.period_unit and service.period_count
        else None
    )
    return schemas.ServiceRead(
        id=service.id,
        kind=service.kind,
        name=service.name,
        description=service.description,
        price_minor=service.price_minor,
        currency=currency,
        classes=service.classes,
        unlimited=service.classes is None,
        period=period,
        billing=service.billing,
        freestyle=service.freestyle,
        overlapping=service.overlapping,
        shared=service.shared,
        leftover=service.leftover,
        group_ids=[uuid.UUID(str(g)) for g in service.group_ids],
        branch_ids=[uuid.UUID(str(b)) for b in service.branch_ids],
        programmes=list(service.programmes),
        items=[schemas.Item.model_validate(i) for i in service.items],
        archived=service.archived,
        version=service.version,
        created_at=service.created_at,
    )


@dataclass
class Catalogue:
    ctx: Context

    @property
    def repo(self) -> CatalogueRepository:
        return CatalogueRepository(self.ctx.session)

    async def create(
        self, principal: Principal, body: schemas.ServiceCreate
    ) -> schemas.ServiceRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        await self._places(principal, body.group_ids, body.branch_ids)
        classes = body.classes
        if body.items:
            parts = await self.repo.by_ids(tenant, {i.service_id for i in body.items})
            for n, item in enumerate(body.items):
                part = parts.get(item.service_id)
                if part is None or part.kind == "pack":
                    raise invalid(
                        f"items.{n}.service_id", "not a one-time service or subscription here"
                    )
            if classes is None and not body.unlimited:
                classes = (
                    sum(i.quantity for i in body.items if parts[i.service_id].kind == "one_time")
                    or None
                )
        if body.kind == "one_time" and classes is None:
            classes = 1
        if classes is None and not body.unlimited and body.kind == "pack":
            raise invalid("classes", "give a class count, items, or unlimited")
        service = Service(
            id=uuid7(),
            tenant_id=tenant,
            kind=body.kind,
            name=body.name,
            description=body.description,
            price_minor=body.price_minor,
            classes=classes,
            period_unit=body.period.unit if body.period else None,
            period_count=body.period.count if body.period else None,
            billing=body.billing,
            freestyle=body.freestyle,
            overlapping=body.overlapping,
            shared=body.shared,
            leftover=body.leftover,
            group_ids=[str(g) for g in body.group_ids],
            branch_ids=[str(b) for b in body.branch_ids],
            programmes=list(body.programmes),
            items=[i.model_dump(mode="json") for i in body.items],
            archived=False,
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(service)
        await self.ctx.session.flush()
        return to_read(service, org.currency)

    async def _places(
        self,
        principal: Principal,
        group_ids: list[uuid.UUID] | None,
        branch_ids: list[uuid.UUID] | None,
        kept: Service | None = None,
    ) -> None:
        """Every group and branch the body names is one of the organisation that the caller
        sees (billing's `visibility`, as a pack sold for a branch or group), else 422 naming
        it, exactly as an unknown id. The catalogue is the organisation's, so an update may
        keep the groups and branches the service already names (another branch's too)."""
        visible = visibility(self.ctx.session, principal)
        for kind, field, named, already in (
            ("group", "group_ids", group_ids, kept.group_ids if kept else []),
            ("branch", "branch_ids", branch_ids, kept.branch_ids if kept else []),
        ):
            known = {str(i) for i in already}
            for n, resource_id in enumerate(named or []):
                if str(resource_id) not in known:
                    await visible.require(kind, resource_id, f"{field}.{n}")

    async def list(
        self,
        principal: Principal,
        kind: str | None,
        archived: bool | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Service], str]:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        rows = await self.repo.services(
            tenant, kind=kind, archived=archived, cursor=cursor, limit=limit
        )
        return list(rows), org.currency

    async def get(self, principal: Principal, service_id: uuid.UUID) -> schemas.ServiceRead:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        service = await self.repo.service(tenant, service_id)
        if service is None:
            raise NotFoundError("service")
        return to_read(service, org.currency)

    async def update(
        self,
        principal: Principal,
        service_id: uuid.UUID,
        body: schemas.ServiceUpdate,
        expected_version: int,
    ) -> schemas.ServiceRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        service = await self.repo.service(tenant, service_id)
        if service is None:
            raise NotFoundError("service")
        check_version(service.version, expected_version)
        await self._places(principal, body.group_ids, body.branch_ids, service)
        for field, value in body.model_dump(exclude_unset=True, mode="json").items():
            if value is None and field != "description":
                continue
            setattr(service, field, value)
        service.version += 1
        await self.ctx.session.flush()
        return to_read(service, org.currency)
