"""The one scope rule: what a staff caller may see, taken from the internal token.

A caller sees a resource of its own organisation when it holds every branch (the owner, an
organisation-wide grant), holds a branch the resource belongs to, or is a teacher holding a
group the resource belongs to. Group grants count for teachers only. Anyone else (a portal
or anonymous caller, another organisation's staff) sees nothing.

What a caller may not see answers 404, exactly as if it did not exist: in a path, in a body
(`require`), and in a list (`where`, one SQL condition). The gateway's access map decides
with the same `Scope.sees`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal

GROUP_ROLES = frozenset({"teacher"})


@dataclass(frozen=True)
class Place:
    """Where a resource lives: its organisation, and the branches and groups it belongs to."""

    tenant_id: uuid.UUID
    branch_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    group_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        tenant_id: uuid.UUID,
        branches: Iterable[uuid.UUID | None] = (),
        groups: Iterable[uuid.UUID | None] = (),
    ) -> Place:
        return cls(
            tenant_id,
            frozenset(b for b in branches if b is not None),
            frozenset(g for g in groups if g is not None),
        )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Place:
        return cls(
            tenant_id=uuid.UUID(str(data["tenant_id"])),
            branch_ids=frozenset(uuid.UUID(str(b)) for b in data.get("branch_ids", [])),
            group_ids=frozenset(uuid.UUID(str(g)) for g in data.get("group_ids", [])),
        )


@dataclass(frozen=True)
class Scope:
    tenant_id: uuid.UUID
    role: str | None
    all_branches: bool
    branch_ids: frozenset[uuid.UUID]
    group_ids: frozenset[uuid.UUID]  # empty unless the role holds groups

    @classmethod
    def build(
        cls,
        tenant_id: uuid.UUID,
        role: str | None,
        all_branches: bool,
        branch_ids: Iterable[uuid.UUID],
        group_ids: Iterable[uuid.UUID],
    ) -> Scope:
        groups = frozenset(group_ids) if role in GROUP_ROLES else frozenset()
        return cls(tenant_id, role, all_branches, frozenset(branch_ids), groups)

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        """The caller's scope; a caller who is not staff of an organisation gets 404."""
        if principal.realm != "staff" or principal.tenant_id is None:
            raise NotFoundError("resource")
        return cls.build(
            principal.tenant_id,
            principal.role,
            principal.all_branches,
            principal.branch_ids,
            principal.group_ids,
        )

    @property
    def restricted(self) -> bool:
        """True when the caller sees only some branches or groups."""
        return not self.all_branches

    def sees(self, place: Place) -> bool:
        if place.tenant_id != self.tenant_id:
            return False
        if self.all_branches or self.branch_ids & place.branch_ids:
            return True
        return bool(self.group_ids & place.group_ids)

    def sees_branch(self, branch_id: uuid.UUID | None) -> bool:
        """A branch of the caller's own organisation (the caller checks the tenant, see
        `require`): every branch for the owner, else only those granted."""
        return self.all_branches or (branch_id is not None and branch_id in self.branch_ids)

    def require(self, what: str, place: Place | None, field: str | None = None) -> Place:
        """For an id named in a body or filter: its place when visible, else the answer an
        unknown id gets (`place` is None when this service does not know the id): 404, or
        422 naming `field` when the id came in a body."""
        if place is None or not self.sees(place):
            if field is not None:
                raise unknown(what, field)
            raise NotFoundError(what)
        return place

    def where(
        self,
        tenant_column: Any,
        branch_column: Any = None,
        group_column: Any = None,
    ) -> ColumnElement[bool]:
        """The SQL condition for rows this caller sees: `tenant_column` is the row's tenant,
        `branch_column` / `group_column` (columns or conditions built with `in_`) its branch
        and group where it has them."""
        tenant = tenant_column == self.tenant_id
        if self.all_branches:
            return and_(tenant, true())
        either: list[ColumnElement[bool]] = []
        if branch_column is not None and self.branch_ids:
            either.append(branch_column.in_(sorted(self.branch_ids)))
        if group_column is not None and self.group_ids:
            either.append(group_column.in_(sorted(self.group_ids)))
        if not either:
            return false()
        return and_(tenant, or_(*either))

    def pg_condition(self, tenant: str, branch: str, group: str, first: int) -> PgCondition:
        """`where` for a statement written as PostgreSQL text: the condition over the named
        columns with the numbered parameters $first to $first+3, and their values."""
        n = first
        text = (
            f"({tenant} = ${n} AND (${n + 1} OR {branch} = ANY(${n + 2}::uuid[])"
            f" OR {group} = ANY(${n + 3}::uuid[])))"
        )
        values = [
            self.tenant_id,
            self.all_branches,
            sorted(self.branch_ids),
            sorted(self.group_ids),
        ]
        return PgCondition(text, values)


@dataclass(frozen=True)
class PgCondition:
    text: str
    values: list[Any]


def unknown(what: str, field: str, where: str = "body") -> ProblemError:
    """422 naming the field that names an id the caller cannot use."""
    message = f"no such {what}"
    return ProblemError(
        422,
        "Unprocessable Content",
        f"invalid {field}: {message}",
        errors=[{"field": field, "in": where, "message": message}],
    )


# (tenant, id) -> where the resource lives, or None when this service does not know it
PlaceOf = Callable[[uuid.UUID, uuid.UUID], Awaitable[Place | None]]


class Visibility:
    """The one way a service asks "may this caller act on client / branch / group / teacher
    X" for ids that arrive in bodies and query filters. Each service says where it learns
    each kind lives (its own tables or its read models of other contexts); the answer for
    an id the caller may not see is exactly the answer for an id that does not exist."""

    def __init__(self, principal: Principal, places: Mapping[str, PlaceOf]) -> None:
        self.scope = Scope.of(principal)
        self._places = places

    async def place(self, kind: str, resource_id: uuid.UUID) -> Place | None:
        """Where it lives, if it is of the caller's organisation (visible or not)."""
        if kind == "branch" and resource_id in self.scope.branch_ids:
            # Grants name the caller's own organisation's branches only.
            return Place.of(self.scope.tenant_id, [resource_id])
        found = await self._places[kind](self.scope.tenant_id, resource_id)
        return found if found is not None and found.tenant_id == self.scope.tenant_id else None

    async def sees(self, kind: str, resource_id: uuid.UUID) -> bool:
        found = await self.place(kind, resource_id)
        return found is not None and self.scope.sees(found)

    async def require(self, kind: str, resource_id: uuid.UUID, field: str | None = None) -> Place:
        return self.scope.require(kind, await self.place(kind, resource_id), field)
