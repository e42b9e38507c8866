"""Use cases of groups, rooms and journal settings. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crm_contracts.events.journal import GroupCreated, GroupUpdated
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope
from journal_svc.access import WRITERS, tenant_of
from journal_svc.checks import conflict, room_refusal
from journal_svc.context import Context
from journal_svc.domain.timetable import (
    MINUTES_PER_DAY,
    Slot,
    format_time,
    parse_time,
    slot_clashes,
)
from journal_svc.enrolments.seats import offer_free_seats
from journal_svc.groups import schemas
from journal_svc.groups.repository import GroupsRepository
from journal_svc.models import Group, Organisation, Room, ScheduleSlot
from journal_svc.repository import Repository

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass
class Groups:
    ctx: Context

    @property
    def repo(self) -> GroupsRepository:
        return GroupsRepository(self.ctx.session)

    @property
    def shared(self) -> Repository:
        return Repository(self.ctx.session)

    # groups
    async def create(self, principal: Principal, body: schemas.GroupCreate) -> schemas.GroupRead:
        require_role(principal, *WRITERS)
        tenant = tenant_of(principal)
        await self._check_branch(principal, body.branch_id)
        await self._check_teachers(principal, body.teacher_ids)
        await self._check_room(principal, body.branch_id, body.room_id, "room_id")
        slots = await self._slots(
            Scope.of(principal), body.branch_id, body.room_id, body.teacher_ids, body.schedule
        )
        group = Group(
            id=uuid7(),
            tenant_id=tenant,
            branch_id=body.branch_id,
            name=body.name,
            programme=body.programme,
            room_id=body.room_id,
            capacity=body.capacity,
            age_min=body.age_min,
            age_max=body.age_max,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            archived=False,
            version=1,
            created_at=self.ctx.now(),
        )
        await self.ctx.lock(f"timetable:{tenant}")
        await self._refuse_clashes(group, slots)
        self.ctx.session.add(group)
        await self.ctx.session.flush()
        await self.repo.replace_teachers(tenant, group.id, body.teacher_ids)
        await self.repo.replace_slots(tenant, group.id, slots)
        await self.ctx.emit(
            tenant,
            group.id,
            GroupCreated(
                group_id=group.id,
                branch_id=group.branch_id,
                name=group.name,
                capacity=group.capacity,
                programme=group.programme,
                teacher_ids=list(body.teacher_ids),
            ),
        )
        return await self._read(group)

    async def find(
        self,
        principal: Principal,
        *,
        branch_id: uuid.UUID | None,
        teacher_id: uuid.UUID | None,
        archived: bool | None,
        cursor: str | None,
        limit: int,
    ) -> list[schemas.GroupRead]:
        groups = await self.repo.groups(
            principal,
            branch_id=branch_id,
            teacher_id=teacher_id,
            archived=archived,
            cursor=cursor,
            limit=limit,
        )
        return await self._reads(groups)

    async def get(self, principal: Principal, group_id: uuid.UUID) -> schemas.GroupRead:
        return await self._read(await self.visible(principal, group_id))

    async def visible(
        self, principal: Principal, group_id: uuid.UUID, *, for_update: bool = False
    ) -> Group:
        group = await self.shared.group(principal, group_id, for_update=for_update)
        if group is None:
            raise NotFoundError("group")
        return group

    async def update(
        self,
        principal: Principal,
        group_id: uuid.UUID,
        body: schemas.GroupUpdate,
        if_match: int | None,
    ) -> schemas.GroupRead:
        require_role(principal, *WRITERS)
        group = await self.visible(principal, group_id, for_update=True)
        check_version(group.version, if_match)
        tenant = group.tenant_id
        changes = body.model_dump(exclude_unset=True)
        teachers = (await self.shared.teacher_ids([group.id]))[group.id]
        if changes.get("teacher_ids") is not None:
            teachers = list(changes["teacher_ids"])
            await self._check_teachers(principal, teachers)
        branch_id = changes.get("branch_id") or group.branch_id
        if branch_id != group.branch_id:
            await self._check_branch(principal, branch_id)
        room_id = changes.get("room_id", group.room_id)
        await self._check_room(principal, branch_id, room_id, "room_id")
        starts_on = changes.get("starts_on") or group.starts_on
        ends_on = changes.get("ends_on", group.ends_on)
        if ends_on is not None and ends_on < starts_on:
            raise invalid("ends_on", "ends_on is before starts_on")
        age_min = changes.get("age_min", group.age_min)
        age_max = changes.get("age_max", group.age_max)
        if age_min is not None and age_max is not None and age_min > age_max:
            raise invalid("age_max", "age_min is above age_max")
        if body.schedule is not None:
            slots = await self._slots(
                Scope.of(principal), branch_id, room_id, teachers, body.schedule
            )
        else:
            current = (await self.repo.slots([group.id]))[group.id]
            slots = [_slot_of(s) for s in current]
            await self._check_slot_resources(Scope.of(principal), branch_id, teachers, slots)
        capacity_before = group.capacity
        for field in ("name", "programme", "capacity", "archived"):
            if field in changes and (
                changes[field] is not None or field in ("programme", "capacity")
            ):
                setattr(group, field, changes[field])
        group.branch_id, group.room_id = branch_id, room_id
        group.starts_on, group.ends_on = starts_on, ends_on
        group.age_min, group.age_max = age_min, age_max
        if not group.archived:
            await self.ctx.lock(f"timetable:{tenant}")
            await self._refuse_clashes(group, slots)
        if "branch_id" in changes:
            await self.repo.move_lessons(group.id, branch_id)
        group.version += 1
        await self.ctx.session.flush()
        if body.teacher_ids is not None:
            await self.repo.replace_teachers(tenant, group.id, teachers)
        if body.schedule is not None:
            await self.repo.replace_slots(tenant, group.id, slots)
        await self.ctx.emit(
            tenant,
            group.id,
            GroupUpdated(
                group_id=group.id,
                branch_id=group.branch_id,
                name=group.name,
                capacity=group.capacity,
                archived=group.archived,
                programme=group.programme,
                teacher_ids=teachers,
            ),
        )
        if not group.archived and group.capacity != capacity_before:
            await offer_free_seats(self.ctx, group)
        return await self._read(group)

    # rooms
    async def create_room(self, principal: Principal, body: schemas.RoomCreate) -> Room:
        require_role(principal, *WRITERS)
        await self._check_branch(principal, body.branch_id)
        room = Room(
            id=uuid7(),
            tenant_id=tenant_of(principal),
            branch_id=body.branch_id,
            name=body.name,
            capacity=body.capacity,
            archived=False,
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(room)
        await self.ctx.session.flush()
        return room

    async def rooms(
        self, principal: Principal, branch_id: uuid.UUID | None, cursor: str | None, limit: int
    ) -> list[Room]:
        return list(await self.repo.rooms(principal, branch_id, cursor, limit))

    async def update_room(
        self,
        principal: Principal,
        room_id: uuid.UUID,
        body: schemas.RoomUpdate,
        if_match: int | None,
    ) -> Room:
        require_role(principal, *WRITERS)
        room = await self.repo.room(tenant_of(principal), room_id)
        if room is None or not Scope.of(principal).sees_branch(room.branch_id):
            raise NotFoundError("room")
        check_version(room.version, if_match)
        for field, value in body.model_dump(exclude_unset=True).items():
            if value is not None or field == "capacity":
                setattr(room, field, value)
        room.version += 1
        await self.ctx.session.flush()
        return room

    # settings
    async def settings(self, principal: Principal) -> Organisation:
        return await self.ctx.organisation(tenant_of(principal))

    async def update_settings(
        self, principal: Principal, body: schemas.SettingsUpdate, if_match: int | None
    ) -> Organisation:
        require_role(principal, "owner")
        tenant = tenant_of(principal)
        org = await self.ctx.organisation(tenant)
        check_version(org.version, if_match)
        if org not in self.ctx.session:
            self.ctx.session.add(org)
        org.makeup_days = body.makeup_days
        org.version += 1
        await self.ctx.session.flush()
        return org

    # helpers
    async def _check_branch(self, principal: Principal, branch_id: uuid.UUID) -> None:
        await (await self.ctx.visible(principal)).require("branch", branch_id, "branch_id")

    async def _check_teachers(self, principal: Principal, teachers: Sequence[uuid.UUID]) -> None:
        visible = await self.ctx.visible(principal)
        for i, teacher in enumerate(teachers):
            await visible.require("teacher", teacher, f"teacher_ids.{i}")

    async def _check_room(
        self, principal: Principal, branch_id: uuid.UUID, room_id: uuid.UUID | None, field: str
    ) -> None:
        if room_id is None:
            return
        scope = Scope.of(principal)
        refused = room_refusal(scope, await self.repo.room(scope.tenant_id, room_id), branch_id)
        if refused is not None:
            raise invalid(field, refused)

    async def _slots(
        self,
        scope: Scope,
        branch_id: uuid.UUID,
        room_id: uuid.UUID | None,
        teachers: Sequence[uuid.UUID],
        schedule: Sequence[schemas.SlotIn],
    ) -> list[Slot]:
        errors: list[tuple[str, str]] = []
        slots: list[Slot] = []
        for i, item in enumerate(schedule):
            start = parse_time(item.starts_at)
            end = start + item.duration_minutes
            if end > MINUTES_PER_DAY:
                errors.append(
                    (f"schedule.{i}.duration_minutes", "the lesson would end after midnight")
                )
            slots.append(
                Slot(
                    item.weekday,
                    start,
                    end,
                    item.room_id or room_id,
                    item.teacher_id or (teachers[0] if teachers else None),
                    uuid7(),
                )
            )
        if errors:
            raise invalid_fields(errors)
        await self._check_slot_resources(scope, branch_id, teachers, slots)
        return slots

    async def _check_slot_resources(
        self,
        scope: Scope,
        branch_id: uuid.UUID,
        teachers: Sequence[uuid.UUID],
        slots: Sequence[Slot],
    ) -> None:
        errors: list[tuple[str, str]] = []
        for i, slot in enumerate(slots):
            if slot.teacher_id is not None and slot.teacher_id not in teachers:
                errors.append((f"schedule.{i}.teacher_id", "not a teacher of this group"))
            if slot.room_id is not None:
                room = await self.repo.room(scope.tenant_id, slot.room_id)
                refused = room_refusal(scope, room, branch_id)
                if refused is not None:
                    errors.append((f"schedule.{i}.room_id", refused))
        if errors:
            raise invalid_fields(errors)

    async def _refuse_clashes(self, group: Group, slots: Sequence[Slot]) -> None:
        rooms = {s.room_id for s in slots if s.room_id is not None}
        teachers = {s.teacher_id for s in slots if s.teacher_id is not None}
        others = await self.repo.other_slots(group.tenant_id, group.id, rooms, teachers)
        found = slot_clashes(slots, (group.starts_on, group.ends_on), others)
        if found:
            index = {id(s): i for i, s in enumerate(slots)}
            raise conflict(
                "the schedule clashes with another lesson",
                [
                    (
                        f"schedule.{index[id(slot)]}",
                        f"the {what} is taken on {WEEKDAYS[slot.weekday - 1]} at "
                        f"{format_time(slot.start_minute)}",
                    )
                    for what, slot in found
                ],
            )

    async def _read(self, group: Group) -> schemas.GroupRead:
        return (await self._reads([group]))[0]

    async def _reads(self, groups: Sequence[Group]) -> list[schemas.GroupRead]:
        ids = [g.id for g in groups]
        teachers = await self.shared.teacher_ids(ids)
        slots = await self.repo.slots(ids)
        return [
            schemas.GroupRead(
                id=g.id,
                branch_id=g.branch_id,
                name=g.name,
                programme=g.programme,
                room_id=g.room_id,
                capacity=g.capacity,
                teacher_ids=teachers[g.id],
                age_min=g.age_min,
                age_max=g.age_max,
                schedule=[
                    schemas.SlotRead(
                        id=s.id,
                        weekday=s.weekday,
                        starts_at=format_time(s.start_minute),
                        duration_minutes=s.end_minute - s.start_minute,
                        room_id=s.room_id,
                        teacher_id=s.teacher_id,
                    )
                    for s in slots[g.id]
                ],
                starts_on=g.starts_on,
                ends_on=g.ends_on,
                archived=g.archived,
                version=g.version,
            )
            for g in groups
        ]


def _slot_of(row: ScheduleSlot) -> Slot:
    return Slot(row.weekday, row.start_minute, row.end_minute, row.room_id, row.teacher_id, row.id)
