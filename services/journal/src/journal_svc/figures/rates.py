"""Teachers' pay rates: added from a day on, never edited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import Principal, require_role
from journal_svc.access import tenant_of
from journal_svc.checks import conflict
from journal_svc.context import Context
from journal_svc.domain.pay import Rate, RateRefusedError, check_new_rate
from journal_svc.figures import schemas
from journal_svc.figures.repository import FiguresRepository
from journal_svc.models import PayRate

FINANCE_ROLES = ("owner", "admin", "accountant", "teacher")


@dataclass
class Rates:
    ctx: Context

    async def of_teacher(self, principal: Principal, teacher_id: uuid.UUID) -> list[PayRate]:
        require_role(principal, *FINANCE_ROLES)
        if principal.role == "teacher":
            if principal.subject != str(teacher_id):
                raise ProblemError(403, "Forbidden", "a teacher sees their own rates only")
        else:  # another organisation's teacher, or one working only elsewhere: 404
            await (await self.ctx.visible(principal)).require("teacher", teacher_id)
        tenant = tenant_of(principal)
        return (await FiguresRepository(self.ctx.session).rates(tenant, [teacher_id]))[teacher_id]

    async def add(
        self, principal: Principal, teacher_id: uuid.UUID, body: schemas.RateIn
    ) -> PayRate:
        require_role(principal, "owner")
        tenant = tenant_of(principal)
        await self.ctx.lock(f"rates:{tenant}:{teacher_id}")
        existing = await self.of_teacher(principal, teacher_id)
        new = Rate(body.effective_from, body.per_lesson_minor, body.per_attendee_minor)
        try:
            check_new_rate(
                [
                    Rate(r.effective_from, r.per_lesson_minor, r.per_attendee_minor)
                    for r in existing
                ],
                new,
                await self.ctx.today(tenant),
            )
        except RateRefusedError as refused:
            raise conflict(str(refused)) from None
        rate = PayRate(
            id=uuid7(),
            tenant_id=tenant,
            teacher_id=teacher_id,
            effective_from=body.effective_from,
            per_lesson_minor=body.per_lesson_minor,
            per_attendee_minor=body.per_attendee_minor,
            created_by=principal.subject,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(rate)
        await self.ctx.session.flush()
        return rate
