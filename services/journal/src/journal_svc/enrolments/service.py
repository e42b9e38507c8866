"""Use cases of enrolments and waitlists. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from crm_contracts.events.journal import EnrolmentEnded, EnrolmentStarted, WaitlistSeatOffered
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, invalid
from crm_platform.internal_auth import Principal, require_role
from journal_svc.access import WRITERS
from journal_svc.checks import conflict
from journal_svc.context import Context
from journal_svc.enrolments import schemas
from journal_svc.enrolments.repository import EnrolmentsRepository
from journal_svc.enrolments.seats import offer_free_seats, seats_taken
from journal_svc.models import Enrolment, Group, WaitlistEntry
from journal_svc.readmodels import ReadModels
from journal_svc.repository import Repository


@dataclass
class Enrolments:
    ctx: Context

    @property
    def repo(self) -> EnrolmentsRepository:
        return EnrolmentsRepository(self.ctx.session)

    async def _group(
        self, principal: Principal, group_id: uuid.UUID, *, for_update: bool = False
    ) -> Group:
        group = await Repository(self.ctx.session).group(principal, group_id, for_update=for_update)
        if group is None:
            raise NotFoundError("group")
        return group

    async def _enrolment(self, group: Group, enrolment_id: uuid.UUID) -> Enrolment:
        enrolment = await self.repo.enrolment(group.id, enrolment_id, for_update=True)
        if enrolment is None:
            raise NotFoundError("enrolment")
        return enrolment

    async def find(
        self,
        principal: Principal,
        group_id: uuid.UUID,
        on: date | None,
        cursor: str | None,
        limit: int,
    ) -> list[Enrolment]:
        group = await self._group(principal, group_id)
        return list(await self.repo.enrolments(group.id, on, cursor, limit))

    async def enrol(
        self, principal: Principal, group_id: uuid.UUID, body: schemas.EnrolmentCreate
    ) -> Enrolment:
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        # Enrolling widens who sees the client: the caller must see the client already.
        await (await self.ctx.visible(principal)).require("client", body.client_id, "client_id")
        return await self._start(group, body.client_id, body.from_date, body.until_date)

    async def _start(
        self,
        group: Group,
        client_id: uuid.UUID,
        start: date,
        until: date | None,
        *,
        transferred_from: uuid.UUID | None = None,
        enrolment_id: uuid.UUID | None = None,
    ) -> Enrolment:
        if group.archived:
            raise conflict("the group is archived")
        card = await ReadModels(self.ctx.session).find_card(client_id)
        if card is not None and card.tenant_id == group.tenant_id and card.status == "archived":
            raise conflict("the client is archived; restore the client first")
        if group.ends_on is not None and start > group.ends_on:
            raise invalid("from_date", f"the group ends on {group.ends_on.isoformat()}")
        if await self.repo.overlapping(group.id, client_id, start, until) is not None:
            raise conflict("the client is already enrolled in this group for these dates")
        entry = await self.repo.open_entry(group.id, client_id)
        own_offer = 1 if entry is not None and entry.status == "offered" else 0
        if group.capacity is not None:
            taken = await seats_taken(self.ctx, group, start) - own_offer
            if taken >= group.capacity:
                raise conflict(
                    f"the group is full ({group.capacity} seats); add the client to its waitlist"
                )
        enrolment = Enrolment(
            id=enrolment_id or uuid7(),
            tenant_id=group.tenant_id,
            group_id=group.id,
            client_id=client_id,
            from_date=start,
            until_date=until,
            transferred_from=transferred_from,
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(enrolment)
        if entry is not None:
            entry.status, entry.resolved_at = "enrolled", self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(
            group.tenant_id,
            enrolment.id,
            EnrolmentStarted(
                enrolment_id=enrolment.id,
                group_id=group.id,
                branch_id=group.branch_id,
                client_id=client_id,
                from_date=start,
                until_date=until,
                transferred_from=transferred_from,
            ),
        )
        return enrolment

    async def _end(
        self,
        group: Group,
        enrolment: Enrolment,
        until: date,
        reason: str,
        transferred_to: uuid.UUID | None = None,
    ) -> None:
        if enrolment.until_date is not None and enrolment.until_date <= until:
            raise conflict(f"the enrolment already ends on {enrolment.until_date.isoformat()}")
        if until < enrolment.from_date - timedelta(days=1):
            raise invalid("until_date", "the enrolment starts after this day")
        later = await self.repo.marks_after(group.id, enrolment.client_id, until)
        if later:
            raise conflict(
                "the client has marks after this day: "
                + ", ".join(d.isoformat() for d in later[:10])
                + "; remove them first"
            )
        enrolment.until_date, enrolment.end_reason = until, reason
        enrolment.transferred_to = transferred_to
        enrolment.version += 1
        await self.ctx.session.flush()
        await self.ctx.emit(
            group.tenant_id,
            enrolment.id,
            EnrolmentEnded(
                enrolment_id=enrolment.id,
                group_id=group.id,
                branch_id=group.branch_id,
                client_id=enrolment.client_id,
                until_date=until,
                reason=reason,
                transferred_to=transferred_to,
            ),
        )

    async def archive(
        self,
        principal: Principal,
        group_id: uuid.UUID,
        enrolment_id: uuid.UUID,
        body: schemas.ArchiveIn,
    ) -> Enrolment:
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        enrolment = await self._enrolment(group, enrolment_id)
        until = body.until_date or await self.ctx.today(group.tenant_id)
        await self._end(group, enrolment, until, "archived")
        await offer_free_seats(self.ctx, group)
        return enrolment

    async def transfer(
        self,
        principal: Principal,
        group_id: uuid.UUID,
        enrolment_id: uuid.UUID,
        body: schemas.TransferIn,
    ) -> tuple[Enrolment, Enrolment]:
        """Moves a client to another group in one step: the history of both stays."""
        require_role(principal, *WRITERS)
        if body.to_group_id == group_id:
            raise invalid("to_group_id", "the client is already in this group")
        # Lock both groups in a fixed order so two opposite transfers cannot deadlock.
        first, second = sorted((group_id, body.to_group_id))
        locked = {
            first: await Repository(self.ctx.session).group(principal, first, for_update=True),
            second: await Repository(self.ctx.session).group(principal, second, for_update=True),
        }
        source, target = locked[group_id], locked[body.to_group_id]
        if source is None:
            raise NotFoundError("group")
        if target is None:
            raise invalid("to_group_id", "no such group")
        enrolment = await self._enrolment(source, enrolment_id)
        if body.on_date < enrolment.from_date:
            raise invalid("on_date", "the enrolment starts after this day")
        new_id = uuid7()
        await self._end(source, enrolment, body.on_date - timedelta(days=1), "transferred", new_id)
        started = await self._start(
            target,
            enrolment.client_id,
            body.on_date,
            None,
            transferred_from=enrolment.id,
            enrolment_id=new_id,
        )
        await offer_free_seats(self.ctx, source)
        return enrolment, started

    # waitlist
    async def waitlist(self, principal: Principal, group_id: uuid.UUID) -> list[WaitlistEntry]:
        group = await self._group(principal, group_id)
        return list(await self.repo.waitlist(group.id))

    async def join_waitlist(
        self, principal: Principal, group_id: uuid.UUID, body: schemas.WaitlistAdd
    ) -> WaitlistEntry:
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        await (await self.ctx.visible(principal)).require("client", body.client_id, "client_id")
        if group.archived:
            raise conflict("the group is archived")
        today = await self.ctx.today(group.tenant_id)
        if await self.repo.overlapping(group.id, body.client_id, today, None) is not None:
            raise conflict("the client is already enrolled in this group")
        if await self.repo.open_entry(group.id, body.client_id) is not None:
            raise conflict("the client is already on this group's waitlist")
        waiting = [e for e in await self.repo.waitlist(group.id) if e.status == "waiting"]
        if (
            not waiting
            and group.capacity is not None
            and await seats_taken(self.ctx, group, today) < group.capacity
        ):
            raise conflict("the group has a free seat: enrol the client instead")
        entry = WaitlistEntry(
            id=uuid7(),
            tenant_id=group.tenant_id,
            group_id=group.id,
            client_id=body.client_id,
            status="waiting",
            note=body.note,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(entry)
        await self.ctx.session.flush()
        return entry

    async def accept_offer(
        self,
        principal: Principal,
        group_id: uuid.UUID,
        entry_id: uuid.UUID,
        body: schemas.AcceptIn,
    ) -> Enrolment:
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        entry = await self.repo.entry(group.id, entry_id)
        if entry is None:
            raise NotFoundError("waitlist entry")
        if entry.status != "offered":
            raise conflict("no seat has been offered to this client yet")
        start = body.from_date or await self.ctx.today(group.tenant_id)
        return await self._start(group, entry.client_id, start, None)

    async def offer(
        self, principal: Principal, group_id: uuid.UUID, entry_id: uuid.UUID
    ) -> WaitlistEntry:
        """Staff offer a free seat to this client now, ahead of the list's order if they
        choose (seats freed later are offered in order by themselves)."""
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        entry = await self.repo.entry(group.id, entry_id)
        if entry is None:
            raise NotFoundError("waitlist entry")
        if entry.status != "waiting":
            raise conflict(f"the entry is already {entry.status}")
        if group.archived:
            raise conflict("the group is archived")
        if group.capacity is not None:
            tomorrow = await self.ctx.today(group.tenant_id) + timedelta(days=1)
            if await seats_taken(self.ctx, group, tomorrow) >= group.capacity:
                raise conflict(
                    f"the group is full ({group.capacity} seats): no seat to offer; "
                    "raise its capacity or wait for a seat to free"
                )
        entry.status, entry.offered_at = "offered", self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(
            group.tenant_id,
            entry.id,
            WaitlistSeatOffered(
                entry_id=entry.id,
                group_id=group.id,
                branch_id=group.branch_id,
                client_id=entry.client_id,
            ),
        )
        return entry

    async def decline(
        self, principal: Principal, group_id: uuid.UUID, entry_id: uuid.UUID
    ) -> WaitlistEntry:
        """The client leaves the list (declining an offer passes the seat to the next one)."""
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        entry = await self.repo.entry(group.id, entry_id)
        if entry is None:
            raise NotFoundError("waitlist entry")
        if entry.status not in ("waiting", "offered"):
            raise conflict(f"the entry is already {entry.status}")
        entry.status, entry.resolved_at = "declined", self.ctx.now()
        await self.ctx.session.flush()
        await offer_free_seats(self.ctx, group)
        return entry
