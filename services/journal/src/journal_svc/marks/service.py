"""Use cases of marks and make-ups. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_platform.errors import NotFoundError, ProblemError, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from journal_svc.access import MARKERS, tenant_of
from journal_svc.context import Context
from journal_svc.domain.figures import age_on, fill_rate, free_seats
from journal_svc.domain.makeups import Absence, is_offered, window_for_seats
from journal_svc.domain.timetable import format_time
from journal_svc.marks import schemas
from journal_svc.marks.core import remove_mark, set_mark
from journal_svc.marks.repository import MarksRepository
from journal_svc.models import Group, Lesson, Mark
from journal_svc.readmodels import ReadModels
from journal_svc.repository import Repository

SEAT_SCAN = 1000


@dataclass
class Marks:
    ctx: Context

    @property
    def repo(self) -> MarksRepository:
        return MarksRepository(self.ctx.session)

    async def _lesson(
        self, principal: Principal, lesson_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[Lesson, Group]:
        found = await Repository(self.ctx.session).lesson(
            principal, lesson_id, for_update=for_update
        )
        if found is None:
            raise NotFoundError("lesson")
        return found

    async def marks(self, principal: Principal, lesson_id: uuid.UUID) -> list[Mark]:
        lesson, _ = await self._lesson(principal, lesson_id)
        return list(await self.repo.marks(lesson.id))

    async def set(
        self,
        principal: Principal,
        lesson_id: uuid.UUID,
        client_id: uuid.UUID,
        body: schemas.MarkIn,
        if_match: int | None,
    ) -> tuple[Mark, bool]:
        require_role(principal, *MARKERS)
        lesson, group = await self._lesson(principal, lesson_id, for_update=True)
        if if_match is not None:
            current = await self.repo.mark(lesson.id, client_id)
            check_version(current.version if current is not None else 0, if_match)
        return await set_mark(
            self.ctx, lesson, group, client_id, body.status, body.makeup_of, principal.subject
        )

    async def remove(
        self,
        principal: Principal,
        lesson_id: uuid.UUID,
        client_id: uuid.UUID,
        if_match: int | None,
    ) -> None:
        require_role(principal, *MARKERS)
        lesson, group = await self._lesson(principal, lesson_id, for_update=True)
        mark = await self.repo.mark(lesson.id, client_id, for_update=True)
        if mark is None:
            raise NotFoundError("mark")
        if if_match is not None:
            check_version(mark.version, if_match)
        await remove_mark(self.ctx, lesson, group, mark)

    async def bulk(
        self, principal: Principal, lesson_id: uuid.UUID, body: schemas.BulkMarkIn
    ) -> tuple[list[Mark], int]:
        """All or nothing: one refused cell refuses the whole lesson, naming each refusal."""
        require_role(principal, *MARKERS)
        lesson, group = await self._lesson(principal, lesson_id, for_update=True)
        targets = body.client_ids
        if targets is None:
            targets = await self.repo.enrolled_clients(group.id, lesson.lesson_date)
        changed: list[Mark] = []
        unchanged = 0
        errors: list[tuple[str, str]] = []
        for i, client_id in enumerate(dict.fromkeys(targets)):
            existing = await self.repo.mark(lesson.id, client_id)
            if existing is not None and not body.overwrite:
                unchanged += 1
                continue
            try:
                mark, did = await set_mark(
                    self.ctx, lesson, group, client_id, body.status, None, principal.subject
                )
            except ProblemError as refused:
                errors.append((f"client_ids.{i}", refused.detail or ""))
                continue
            if did:
                changed.append(mark)
            else:
                unchanged += 1
        if errors:
            raise invalid_fields(
                errors, status=409, detail="some clients cannot be marked; nothing was marked"
            )
        return changed, unchanged

    # make-ups
    async def open_makeups(
        self,
        principal: Principal,
        client_id: uuid.UUID | None,
        group_id: uuid.UUID | None,
        limit: int,
    ) -> list[schemas.OpenMakeup]:
        today = await self.ctx.today(tenant_of(principal))
        rows = await self.repo.open_makeups(principal, today, client_id, group_id, limit)
        # The query keeps to the same rule; stating it here keeps the two from drifting.
        return [
            _open(m)
            for m in rows
            if m.makeup_until is not None
            and is_offered(Absence(m.lesson_date, m.makeup_until), today)
        ]

    async def seats(
        self,
        principal: Principal,
        lesson_id: uuid.UUID,
        client_id: uuid.UUID,
        any_programme: bool,
        limit: int,
    ) -> schemas.Seats:
        """Free seats for an excused absence's make-up: lessons of other groups (any branch the
        caller sees) of the same programme and for the client's age, within the make-up
        window, least-filled first, so a make-up lifts a thin lesson rather than crowding a
        full one; then the earliest."""
        lesson, group = await self._lesson(principal, lesson_id)
        absence = await self.repo.mark(lesson.id, client_id)
        if absence is None or absence.status != "excused" or absence.makeup_until is None:
            raise NotFoundError("excused absence")
        used = await self.repo.used_by(absence.id)
        today = await self.ctx.today(group.tenant_id)
        window = window_for_seats(
            Absence(absence.lesson_date, absence.makeup_until, used is not None), today
        )
        items: list[schemas.Seat] = []
        if window is not None:
            found = await self.repo.seat_candidates(
                principal,
                client_id,
                group.id,
                window[0],
                window[1],
                None if any_programme else group.programme,
                SEAT_SCAN,
            )
            card = await ReadModels(self.ctx.session).find_card(client_id)
            birthday = (
                card.birthday if card is not None and card.tenant_id == group.tenant_id else None
            )
            items = [
                _seat(candidate, taken, owner)
                for candidate, owner, taken in found
                if birthday is None or fits_ages(owner, age_on(birthday, candidate.lesson_date))
            ]
            items.sort(
                key=lambda s: (
                    s.fill_rate is None,
                    s.fill_rate or 0.0,
                    s.lesson_date,
                    s.starts_at,
                )
            )
        return schemas.Seats(absence=_open(absence), items=items[:limit])


def fits_ages(group: Group, age: int) -> bool:
    return (group.age_min is None or age >= group.age_min) and (
        group.age_max is None or age <= group.age_max
    )


def _open(mark: Mark) -> schemas.OpenMakeup:
    assert mark.makeup_until is not None
    return schemas.OpenMakeup(
        mark_id=mark.id,
        client_id=mark.client_id,
        group_id=mark.group_id,
        lesson_id=mark.lesson_id,
        absence_date=mark.lesson_date,
        usable_until=mark.makeup_until,
    )


def _seat(lesson: Lesson, taken: int, group: Group) -> schemas.Seat:
    return schemas.Seat(
        lesson_id=lesson.id,
        group_id=group.id,
        group_name=group.name,
        branch_id=group.branch_id,
        programme=group.programme,
        lesson_date=lesson.lesson_date,
        starts_at=format_time(lesson.start_minute),
        duration_minutes=lesson.end_minute - lesson.start_minute,
        capacity=group.capacity,
        taken=taken,
        free=free_seats(group.capacity, taken),
        fill_rate=fill_rate(taken, group.capacity),
    )
