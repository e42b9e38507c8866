"""Families: relatives' cards linked together (different surnames allowed), one payer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clients_svc.access import WRITERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.cards.service import Cards
from clients_svc.cards.views import CardViews
from clients_svc.context import Context
from clients_svc.families import schemas
from clients_svc.families.repository import FamiliesRepository
from clients_svc.history.service import History
from clients_svc.models import Client, Family
from crm_contracts.events.clients import ClientUpdated, FamilyChanged
from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError, invalid
from crm_platform.internal_auth import Principal, require_role


@dataclass
class Families:
    ctx: Context

    @property
    def repo(self) -> FamiliesRepository:
        return FamiliesRepository(self.ctx.session)

    async def view(self, principal: Principal, client_id: uuid.UUID) -> schemas.FamilyRead:
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
        if client.family_id is None:
            return schemas.FamilyRead(family_id=None, payer_client_id=None, members=[])
        family = await self.repo.family(client.tenant_id, client.family_id)
        members = await CardsRepository(self.ctx.session).family_members(
            client.tenant_id, client.family_id
        )
        # Relatives the caller may not see (another branch's, another group's) are left out.
        _, scope, _ = await ClientAccess(self.ctx).scope(principal)
        seen = await CardsRepository(self.ctx.session).ids_visible(scope, [m.id for m in members])
        members = [m for m in members if m.id in seen]
        payer = family.payer_client_id if family is not None else None
        if payer not in seen:
            payer = None  # a payer the caller may not see is not named either
        return schemas.FamilyRead(
            family_id=client.family_id,
            payer_client_id=payer,
            members=[
                schemas.FamilyMember(
                    id=m.id,
                    first_name=m.first_name,
                    last_name=m.last_name,
                    status=m.status,
                    is_payer=m.id == payer,
                )
                for m in members
            ],
        )

    async def add(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.FamilyAdd
    ) -> schemas.FamilyRead:
        """Link an existing client, or create a new card straight into the family."""
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if body.new_client is not None:
            other, _ = await Cards(self.ctx).create(
                principal, body.new_client, prefix="new_client."
            )
        else:
            assert body.client_id is not None
            if body.client_id == client.id:
                raise invalid("client_id", "a client cannot be linked to themselves")
            # Only a relative the caller sees: an unseen one is answered as an unknown id.
            await (await ClientAccess(self.ctx).visible(principal)).require(
                "client", body.client_id, "client_id"
            )
            other = await ClientAccess(self.ctx).visible_client(
                principal, body.client_id, for_update=True
            )
            if other.status == "archived":
                raise invalid("client_id", "an archived client cannot join a family")
        if other.family_id is not None and other.family_id == client.family_id:
            raise ProblemError(409, "Conflict", "the two clients are already one family")
        if other.family_id is not None:
            raise ProblemError(
                409,
                "Conflict",
                "this client is already in another family; take them out of it first",
            )
        if client.family_id is None:
            family = Family(id=uuid7(), tenant_id=client.tenant_id, created_at=self.ctx.now())
            self.ctx.session.add(family)
            await self.ctx.session.flush()
            await self._join(client, family.id, principal)
        await self._join(other, client.family_id, principal)  # type: ignore[arg-type]
        await self._publish(client.tenant_id, client.family_id)  # type: ignore[arg-type]
        return await self.view(principal, client.id)

    async def leave(self, principal: Principal, client_id: uuid.UUID) -> schemas.FamilyRead:
        """Takes the client out of their family; a family left with one member dissolves."""
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        family_id = client.family_id
        if family_id is None:
            raise ProblemError(409, "Conflict", "the client is not in a family")
        family = await self.repo.family(client.tenant_id, family_id)
        await self._leave(client, principal)
        rest = await CardsRepository(self.ctx.session).family_members(client.tenant_id, family_id)
        if family is not None and family.payer_client_id == client.id:
            family.payer_client_id = None
        if len(rest) == 1:
            await self._leave(rest[0], principal)
            if family is not None:
                family.payer_client_id = None
        await self.ctx.session.flush()
        await self._publish(client.tenant_id, family_id)
        return await self.view(principal, client.id)

    async def set_payer(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.PayerIn
    ) -> schemas.FamilyRead:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.family_id is None:
            raise ProblemError(409, "Conflict", "the client is not in a family")
        family = await self.repo.family(client.tenant_id, client.family_id)
        assert family is not None
        if body.client_id is not None:
            # Only a relative the caller sees: an unseen one is answered as an unknown id.
            await (await ClientAccess(self.ctx).visible(principal)).require(
                "client", body.client_id, "client_id"
            )
            members = await CardsRepository(self.ctx.session).family_members(
                client.tenant_id, client.family_id
            )
            if body.client_id not in {m.id for m in members}:
                raise invalid("client_id", "the payer must be a member of the family")
        family.payer_client_id = body.client_id
        await self.ctx.session.flush()
        History(self.ctx).record(
            client,
            "other",
            "family.payer_set",
            "Family payer cleared" if body.client_id is None else "Family payer set",
            data={"payer_client_id": str(body.client_id) if body.client_id else None},
            actor=actor_of(principal),
        )
        await self._publish(client.tenant_id, client.family_id)
        return await self.view(principal, client.id)

    async def _join(self, client: Client, family_id: uuid.UUID, principal: Principal) -> None:
        client.family_id = family_id
        await self._card_changed(client)
        History(self.ctx).record(
            client,
            "other",
            "family.joined",
            "Linked to a family",
            data={"family_id": str(family_id)},
            actor=actor_of(principal),
        )

    async def _leave(self, client: Client, principal: Principal) -> None:
        family_id = client.family_id
        client.family_id = None
        await self._card_changed(client)
        History(self.ctx).record(
            client,
            "other",
            "family.left",
            "Unlinked from the family",
            data={"family_id": str(family_id)},
            actor=actor_of(principal),
        )

    async def _card_changed(self, client: Client) -> None:
        client.version += 1
        client.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(
            client.tenant_id, client.id, ClientUpdated(**await CardViews(self.ctx).state(client))
        )

    async def _publish(self, tenant_id: uuid.UUID, family_id: uuid.UUID) -> None:
        family = await self.repo.family(tenant_id, family_id)
        members = await CardsRepository(self.ctx.session).family_members(tenant_id, family_id)
        await self.ctx.emit(
            tenant_id,
            family_id,
            FamilyChanged(
                family_id=family_id,
                member_ids=[m.id for m in members],
                payer_client_id=family.payer_client_id if family is not None else None,
            ),
        )
