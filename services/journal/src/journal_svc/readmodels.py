"""The journal's copies of other contexts' data, kept from their events.

Each copy is replaced by the newest state; an older event delivered late changes nothing,
and a replayed event (after a rebuild) gives the same result."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.events.billing import balance_is_newer
from crm_platform.db import advisory_lock
from journal_svc.models import (
    DEFAULT_MAKEUP_DAYS,
    Branch,
    ClientCard,
    ClientPack,
    Organisation,
    PackMember,
    StaffGrant,
    StaffMember,
)


def _newer(known: datetime | None, incoming: datetime) -> bool:
    if known is None:
        return True
    return incoming >= known


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def find_card(self, client_id: uuid.UUID) -> ClientCard | None:
        return await self.session.get(ClientCard, client_id)

    async def organisation(
        self, tenant_id: uuid.UUID, name: str, time_zone: str, currency: str
    ) -> None:
        org = await self.find_organisation(tenant_id)
        if org is None:
            org = Organisation(id=tenant_id, makeup_days=DEFAULT_MAKEUP_DAYS, version=1)
            self.session.add(org)
        org.name, org.time_zone, org.currency = name, time_zone, currency
        await self.session.flush()

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        if await self.session.get(Branch, branch_id) is None:
            self.session.add(Branch(id=branch_id, tenant_id=tenant_id))
            await self.session.flush()

    async def staff(
        self,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        at: datetime,
        *,
        role: str,
        status: str,
        branch_ids: list[uuid.UUID],
        group_ids: list[uuid.UUID],
        name: str | None = None,
    ) -> None:
        """The staff member's access (and name, when the event carries it) as it is now,
        unless a newer state is already here."""
        member = await self.session.get(StaffMember, user_id, with_for_update=True)
        if member is None:
            member = StaffMember(user_id=user_id, tenant_id=tenant_id, as_of=at)
            self.session.add(member)
        elif member.tenant_id != tenant_id or not _newer(member.as_of, at):
            return
        member.role, member.status, member.as_of = role, status, at
        if name is not None:
            member.name = name
        await self.session.flush()
        await self.session.execute(delete(StaffGrant).where(StaffGrant.user_id == user_id))
        grants = [("branch", b) for b in set(branch_ids)] + [("group", g) for g in set(group_ids)]
        self.session.add_all(StaffGrant(user_id=user_id, scope=k, scope_id=i) for k, i in grants)
        await self.session.flush()

    async def _card(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> ClientCard | None:
        card = await self.session.get(ClientCard, client_id)
        if card is None:
            card = ClientCard(client_id=client_id, tenant_id=tenant_id)
            self.session.add(card)
        elif card.tenant_id != tenant_id:
            return None  # an id of another organisation: never mix them
        return card

    async def client_state(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, **fields: object
    ) -> None:
        card = await self._card(tenant_id, client_id)
        if card is None or not _newer(card.card_at, at):
            return
        for name, value in fields.items():
            setattr(card, name, value)
        card.card_at = at
        await self.session.flush()

    async def client_status(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, status: str
    ) -> None:
        await self.client_state(tenant_id, client_id, at, status=status)

    async def balance(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        at: datetime,
        balance_minor: int,
        currency: str,
        sequence: int | None = None,
    ) -> None:
        card = await self._card(tenant_id, client_id)
        if card is None or not balance_is_newer(
            card.balance_sequence, card.balance_at, sequence, at
        ):
            return
        card.balance_minor, card.currency, card.balance_at = balance_minor, currency, at
        card.balance_sequence = sequence
        await self.session.flush()

    async def pack_state(
        self,
        tenant_id: uuid.UUID,
        pack_id: uuid.UUID,
        at: datetime,
        *,
        client_id: uuid.UUID,
        members: list[uuid.UUID],
        status: str,
        classes_left: int | None,
        shared: bool = False,
    ) -> None:
        """Replaces the copy of a pack by its newer whole state, then recounts the classes left
        of every client the old or the new state concerns (the owner and a shared pack's
        members: a transfer or a member leaving changes someone else's count too)."""
        # Two packs of one client changing at once must not each count without the other.
        await advisory_lock(self.session, f"journal.packs:{tenant_id}")
        pack = await self.session.get(ClientPack, pack_id, with_for_update=True)
        concerned = {client_id, *members}
        if shared:
            concerned.update(await self._family_of(tenant_id, client_id))
        if pack is None:
            pack = ClientPack(pack_id=pack_id, tenant_id=tenant_id)
            self.session.add(pack)
        elif pack.tenant_id != tenant_id or not _newer(pack.state_at, at):
            return  # another organisation's id, or an older state delivered late
        else:
            concerned.add(pack.client_id)
            concerned.update(await self._members(pack_id))
            if pack.shared:
                concerned.update(await self._family_of(tenant_id, pack.client_id))
            await self.session.execute(delete(PackMember).where(PackMember.pack_id == pack_id))
        pack.client_id, pack.status, pack.classes_left = client_id, status, classes_left
        pack.shared = shared
        pack.state_at = at
        await self.session.flush()
        for member in dict.fromkeys(members):
            if member != client_id:
                self.session.add(PackMember(pack_id=pack_id, client_id=member, tenant_id=tenant_id))
        await self.session.flush()
        for client in sorted(concerned):
            await self._recount(tenant_id, client)

    async def family(
        self,
        tenant_id: uuid.UUID,
        family_id: uuid.UUID | None,
        at: datetime,
        member_ids: list[uuid.UUID],
        *,
        whole: bool,
    ) -> None:
        """Puts the clients in the family (None: in none), unless a newer event already
        placed them; `whole`: the list is the whole family, and anyone else in it leaves.
        Then recounts everyone whose family changed, and their families."""
        concerned: set[uuid.UUID] = set()
        placed: list[tuple[ClientCard, uuid.UUID | None]] = []
        for client_id in member_ids:
            card = await self._card(tenant_id, client_id)
            if card is not None:
                placed.append((card, family_id))
        if whole and family_id is not None:
            listed = set(member_ids)
            former = await self.session.scalars(
                select(ClientCard).where(
                    ClientCard.tenant_id == tenant_id, ClientCard.family_id == family_id
                )
            )
            placed += [(card, None) for card in former if card.client_id not in listed]
        for card, family in placed:
            if card.family_id == family or not _newer(card.family_at, at):
                continue
            concerned.update(await self._family_of(tenant_id, card.client_id))
            card.family_id, card.family_at = family, at
            concerned.add(card.client_id)
        await self.session.flush()
        for client_id in sorted(set(concerned)):
            concerned.update(await self._family_of(tenant_id, client_id))
        for client_id in sorted(concerned):
            await self._recount(tenant_id, client_id)

    async def _family_of(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[uuid.UUID]:
        """The client's family as the journal knows it, the client included."""
        card = await self.session.get(ClientCard, client_id)
        if card is None or card.tenant_id != tenant_id or card.family_id is None:
            return [client_id]
        rows = await self.session.scalars(
            select(ClientCard.client_id).where(
                ClientCard.tenant_id == tenant_id, ClientCard.family_id == card.family_id
            )
        )
        return list(rows)

    async def _members(self, pack_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(PackMember.client_id).where(PackMember.pack_id == pack_id)
        )
        return list(rows.scalars().all())

    async def _recount(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> None:
        """Classes left on the client's active packs with a count (an unlimited pack adds
        nothing); 0 when none is active any more."""
        shared = select(PackMember.pack_id).where(
            PackMember.tenant_id == tenant_id, PackMember.client_id == client_id
        )
        relatives = [c for c in await self._family_of(tenant_id, client_id) if c != client_id]
        left = await self.session.scalar(
            select(func.coalesce(func.sum(ClientPack.classes_left), 0)).where(
                ClientPack.tenant_id == tenant_id,
                ClientPack.status == "active",
                or_(
                    ClientPack.client_id == client_id,
                    ClientPack.pack_id.in_(shared),
                    and_(ClientPack.shared, ClientPack.client_id.in_(relatives)),
                ),
            )
        )
        card = await self._card(tenant_id, client_id)
        if card is None:
            return
        card.classes_left = int(left or 0)
        await self.session.flush()
