"""Figures per group and per teacher, and pay. Reads only."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_platform.errors import NotFoundError, ProblemError, invalid
from crm_platform.internal_auth import Principal, require_role
from journal_svc.access import tenant_of
from journal_svc.context import Context
from journal_svc.domain.figures import (
    Month,
    attendance_rate,
    average,
    fill_rate,
    mean_age,
    months,
)
from journal_svc.domain.pay import HeldLesson, Rate, pay
from journal_svc.figures import schemas
from journal_svc.figures.repository import FiguresRepository
from journal_svc.lessons.service import check_period
from journal_svc.repository import Repository

MAX_MONTHS = 24
FINANCE_ROLES = ("owner", "admin", "accountant", "teacher")


def as_of(month: Month, today: date) -> date:
    """The day a month's enrolment is counted on: its last day, or today while it runs."""
    return min(month.last, max(today, month.first))


def month_figures(
    month: Month,
    counts: tuple[int, int, int, int, int],
    enrolled: int,
    ages: tuple[int, int],
    capacity: int | None,
) -> dict[str, Any]:
    """One group's month in the shape of schemas.MonthFigures. `ages` is (people with a
    known birthday, their ages added up in days)."""
    planned, held, cancelled, attendances, recorded = counts
    return {
        "month": str(month),
        "lessons_planned": planned,
        "lessons_held": held,
        "lessons_cancelled": cancelled,
        "attendances": attendances,
        "average_attendance": round(attendances / held, 2) if held else None,
        "attendance_rate": attendance_rate(attendances, recorded),
        "enrolled": enrolled,
        "capacity": capacity,
        "fill_rate": fill_rate(enrolled, capacity),
        "average_age": mean_age(ages[1], ages[0]),
    }


def parse_month(value: str, field: str) -> Month:
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise invalid(field, str(exc), "query") from None


@dataclass
class Figures:
    ctx: Context

    @property
    def repo(self) -> FiguresRepository:
        return FiguresRepository(self.ctx.session)

    async def group(
        self, principal: Principal, group_id: uuid.UUID, first: Month, last: Month
    ) -> schemas.GroupFigures:
        """A group month by month: fill rate, attendance, lessons held, average age."""
        if last < first:
            raise invalid("until", "until is before from", "query")
        span = months(first, last)
        if len(span) > MAX_MONTHS:
            raise invalid("until", f"at most {MAX_MONTHS} months at once", "query")
        group = await Repository(self.ctx.session).group(principal, group_id)
        if group is None:
            raise NotFoundError("group")
        today = await self.ctx.today(group.tenant_id)
        lessons = await self.repo.lessons(group.id, first.first, last.last)
        enrolments = await self.repo.group_enrolments(group.id)
        out: list[schemas.MonthFigures] = []
        for month in span:
            counts = [0, 0, 0, 0, 0]
            for day, cancelled, attended, recorded in lessons:
                if Month.of(day) != month:
                    continue
                counts[0] += not cancelled
                counts[2] += cancelled
                if not cancelled and day <= today:
                    counts[1] += 1
                    counts[3] += attended
                    counts[4] += recorded
            day = as_of(month, today)
            present = {
                client: birthday
                for client, start, until, birthday in enrolments
                if start <= day and (until is None or until >= day)
            }
            known = [(day - b).days for b in present.values() if b is not None]
            figures = month_figures(
                month,
                (counts[0], counts[1], counts[2], counts[3], counts[4]),
                len(present),
                (len(known), sum(known)),
                group.capacity,
            )
            out.append(schemas.MonthFigures(**figures))
        held = sum(m.lessons_held for m in out)
        attendances = sum(m.attendances for m in out)
        recorded = sum(c[3] for c in lessons if not c[1] and c[0] <= today)
        rates = [m.fill_rate for m in out if m.fill_rate is not None]
        return schemas.GroupFigures(
            group_id=group.id,
            name=group.name,
            branch_id=group.branch_id,
            months=out,
            lessons_held=held,
            attendances=attendances,
            average_attendance=round(attendances / held, 2) if held else None,
            attendance_rate=attendance_rate(attendances, recorded),
            average_fill_rate=average(rates),
        )

    async def organisation_month(self, principal: Principal, month: Month) -> dict[str, Any]:
        """Every active group the caller sees, for one month, least filled first: the whole
        organisation at a glance (which groups to merge, which to split). In the shape of
        schemas.OrganisationMonth, as plain data: thousands of groups are read at once."""
        tenant = tenant_of(principal)
        today = await self.ctx.today(tenant)
        groups = await self.repo.groups(principal)
        by_group = await self.repo.month_by_group(principal, month.first, month.last, today)
        enrolled = await self.repo.enrolled_ages(principal, as_of(month, today))
        items = []
        for group_id, name, branch_id, programme, capacity in groups:
            count, known, days = enrolled.get(group_id, (0, 0, 0))
            items.append(
                {
                    "group_id": group_id,
                    "name": name,
                    "branch_id": branch_id,
                    "programme": programme,
                    **month_figures(
                        month,
                        by_group.get(group_id, (0, 0, 0, 0, 0)),
                        count,
                        (known, days),
                        capacity,
                    ),
                }
            )
        items.sort(
            key=lambda item: (
                item["fill_rate"] is None,
                item["fill_rate"] or 0.0,
                item["name"],
                str(item["group_id"]),
            )
        )
        return {"month": str(month), "items": items, "next_cursor": None}

    async def teachers(
        self, principal: Principal, start: date, until: date
    ) -> list[schemas.TeacherFigures]:
        """Lessons held, hours and attendees per teacher (a teacher sees their own)."""
        return [
            schemas.TeacherFigures(
                teacher_id=p.teacher_id,
                teacher_name=p.teacher_name,
                lessons=p.lessons,
                hours=p.hours,
                attendees=p.attendees,
            )
            for p in await self.pay(principal, start, until, None, lines=False, finance=False)
        ]

    async def pay(
        self,
        principal: Principal,
        start: date,
        until: date,
        teacher_id: uuid.UUID | None,
        *,
        lines: bool,
        finance: bool = True,
    ) -> list[schemas.TeacherPay]:
        """Each lesson is paid at the rate in force on its day: a rate set later never
        changes what a past lesson earned."""
        check_period(start, until)
        tenant = tenant_of(principal)
        if finance:
            require_role(principal, *FINANCE_ROLES)
        only = self._own_only(principal, teacher_id)
        today = await self.ctx.today(tenant)
        held_until = min(until, today)
        rows = (
            await self.repo.held_by_teacher(principal, start, held_until, only)
            if held_until >= start
            else []
        )
        held: dict[uuid.UUID, list[HeldLesson]] = defaultdict(list)
        for teacher, lesson_id, day, minutes, attendees in rows:
            held[teacher].append(HeldLesson(lesson_id, day, int(minutes), int(attendees)))
        rates = await self.repo.rates(tenant, list(held)) if finance else {}
        names = await self.repo.staff_names(tenant, list(held))
        currency = (await self.ctx.organisation(tenant)).currency
        out: list[schemas.TeacherPay] = []
        for teacher, lessons in sorted(held.items(), key=lambda item: str(item[0])):
            result = pay(
                lessons,
                [
                    Rate(r.effective_from, r.per_lesson_minor, r.per_attendee_minor)
                    for r in rates.get(teacher, [])
                ],
            )
            out.append(
                schemas.TeacherPay(
                    teacher_id=teacher,
                    teacher_name=names.get(teacher),
                    lessons=result.lessons,
                    hours=round(result.minutes / 60, 2),
                    attendees=result.attendees,
                    amount_minor=result.amount_minor,
                    currency=currency,
                    lines=[
                        schemas.PayLine(
                            lesson_id=line.lesson_id,
                            lesson_date=line.day,
                            attendees=line.attendees,
                            amount_minor=line.amount_minor,
                            rate_from=line.rate_from,
                        )
                        for line in result.lines
                    ]
                    if lines
                    else [],
                )
            )
        return out

    @staticmethod
    def _own_only(principal: Principal, teacher_id: uuid.UUID | None) -> uuid.UUID | None:
        if principal.role != "teacher":
            return teacher_id
        own = uuid.UUID(principal.subject)
        if teacher_id is not None and teacher_id != own:
            raise ProblemError(403, "Forbidden", "a teacher sees their own figures only")
        return own
