"""Operators' use cases: sign-in, operators, and every organisation's standing (plan, limits,
suspension). Used by the operator API and the command line alike. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from crm_contracts.ids import uuid7
from crm_contracts.plans import LIMIT_NAMES, plan_limits
from crm_platform.errors import ConflictError, NotFoundError, ProblemError, invalid_fields
from crm_platform.internal_auth import Principal
from identity_svc.context import Context
from identity_svc.domain.refusals import SignInRefusedError
from identity_svc.domain.standing import limits_of, plan_changed, set_limits
from identity_svc.models import Operator, Organisation
from identity_svc.operators import schemas
from identity_svc.operators.repository import OperatorsRepository
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.passwords import hash_password
from identity_svc.signin.service import Guesses
from identity_svc.staff.repository import StaffRepository
from identity_svc.tokens.schemas import Tokens
from identity_svc.tokens.service import TokenIssuer


def require_operator(principal: Principal) -> uuid.UUID:
    """403 for anyone but an operator (staff of any role and clients included)."""
    if principal.realm != "operator":
        raise ProblemError(403, "Forbidden", "only an operator may do this")
    return uuid.UUID(principal.subject)


@dataclass
class Operators:
    ctx: Context

    @property
    def repo(self) -> OperatorsRepository:
        return OperatorsRepository(self.ctx.session)

    async def sign_in(self, body: schemas.OperatorSignIn, address: str) -> Tokens:
        email = body.email.lower()
        operator = await self.repo.operator_by_email(email)
        stored = operator.password_hash if operator and operator.status == "active" else None
        ok = await Guesses(self.ctx).check_password(
            f"operator:{email}", address, stored, body.password
        )
        if not ok or operator is None:
            raise SignInRefusedError()
        return await TokenIssuer(self.ctx).issue(
            "operator", operator.id, None, uuid7(), {}, self.ctx.now()
        )

    async def create_operator(self, body: schemas.OperatorCreate) -> schemas.OperatorRead:
        email = body.email.lower()
        if await self.repo.operator_by_email(email) is not None:
            raise ConflictError("an operator with this email already exists")
        operator = Operator(
            id=uuid7(),
            email=email,
            name=body.name,
            password_hash=await hash_password(body.password),
            status="active",
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(operator)
        try:
            await self.ctx.session.flush()
        except IntegrityError:
            raise ConflictError("an operator with this email already exists") from None
        return _operator_read(operator)

    async def me(self, principal: Principal) -> schemas.OperatorRead:
        operator = await self.repo.operator(require_operator(principal))
        if operator is None:
            raise NotFoundError("operator")
        return _operator_read(operator)

    # organisations
    async def organisations(
        self, cursor: str | None, limit: int
    ) -> list[schemas.OrganisationStanding]:
        return [await self.standing(org) for org in await self.repo.organisations(cursor, limit)]

    async def organisation(self, organisation_id: uuid.UUID) -> Organisation:
        org = await self.repo.organisation_for_update(organisation_id)
        if org is None:
            raise NotFoundError("organisation")
        return org

    async def organisation_status(self, organisation_id: uuid.UUID) -> dict[str, str | None]:
        """Whether the organisation is suspended, for the gateway."""
        org = await OrganisationRepository(self.ctx.session).organisation(organisation_id)
        if org is None:
            raise NotFoundError("organisation")
        return {"status": org.status, "suspended_reason": org.suspended_reason}

    async def counts(self, org: Organisation) -> schemas.Counts:
        return schemas.Counts(
            active_clients=await self.repo.count_active_clients(org.id),
            branches=await OrganisationRepository(self.ctx.session).count_branches(org.id),
            staff=await StaffRepository(self.ctx.session).count_staff(org.id),
        )

    async def standing(self, org: Organisation) -> schemas.OrganisationStanding:
        return schemas.OrganisationStanding(
            id=org.id,
            name=org.name,
            currency=org.currency,
            time_zone=org.time_zone,
            plan=org.plan,
            limits=limits_of(org),
            counts=await self.counts(org),
            status="suspended" if org.status == "suspended" else "active",
            suspended_reason=org.suspended_reason,
            created_at=org.created_at,
            version=org.version,
        )

    async def set_plan(
        self, organisation_id: uuid.UUID, body: schemas.PlanSet
    ) -> schemas.OrganisationStanding:
        """The plan with its limits; 422 naming each limit below what the organisation has."""
        org = await self.organisation(organisation_id)
        await self.ctx.lock(f"plan:{org.id}")
        given = body.limits.model_dump(include=body.limits.model_fields_set)
        limits = plan_limits(body.plan).model_copy(update=given)
        counts = (await self.counts(org)).model_dump()
        errors = [
            (
                f"limits.{name}",
                f"the organisation has {counts[name]} {name.replace('_', ' ')}; "
                f"a limit of {value} is below that",
            )
            for name in LIMIT_NAMES
            if (value := getattr(limits, name)) is not None and value < counts[name]
        ]
        if errors:
            names = ", ".join(field for field, _ in errors)
            raise invalid_fields(errors, detail=f"limits below the current count: {names}")
        org.plan = body.plan
        set_limits(org, limits)
        return await self._changed(org)

    async def suspend(
        self, organisation_id: uuid.UUID, body: schemas.Suspension
    ) -> schemas.OrganisationStanding:
        org = await self.organisation(organisation_id)
        org.status = "suspended"
        org.suspended_reason = body.reason
        return await self._changed(org)

    async def reactivate(self, organisation_id: uuid.UUID) -> schemas.OrganisationStanding:
        org = await self.organisation(organisation_id)
        org.status = "active"
        org.suspended_reason = None
        return await self._changed(org)

    async def _changed(self, org: Organisation) -> schemas.OrganisationStanding:
        org.version += 1
        await self.ctx.session.flush()
        await self.ctx.emit(org.id, org.id, plan_changed(org))
        return await self.standing(org)


def _operator_read(operator: Operator) -> schemas.OperatorRead:
    return schemas.OperatorRead(
        id=operator.id, email=operator.email, name=operator.name, status=operator.status
    )
