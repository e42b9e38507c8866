"""Which pack a visit uses (DOMAIN.md §3, "explicit rules for overlapping or shared packs").

A visit of a client to a lesson uses one class when the mark counts (attended, make-up
attended, and an unexcused absence when the organisation says so). The pack is chosen so:

1. Candidates: packs the client may use that are active on the lesson's day (started, not
   ended, not frozen that day, not cancelled), apply to the lesson (its group, branch and
   programme, when the pack names any) and have a class left (or are unlimited). A client
   may use their own packs, and a shared pack of another client when they are named on it
   (at sale) or are in the same family as its owner. Family means the families as billing
   knows them when the visit is applied (from the clients context's events): a relative who
   joins later may use the pack from then on, one who left (or whose owner left) no longer
   may, unless named. Families are compared within the organisation only.
2. Non-overlapping packs run one after another: of a client's own non-overlapping
   candidates only the one that started first (then the earliest created) stays.
3. The client's own packs come before shared packs of other clients (a family pool is the
   fallback, not the first choice): a relative with a pack of their own uses it first and
   the family's pack only when theirs does not fit (ended, frozen, used up, another group).
   Shared packs named for the client and family packs rank alike.
4. Then earliest expiry first (a pack without an end date last); then limited packs before
   unlimited ones on the same end date, then the one started first, then the oldest.

No candidate: the visit is charged at the one-time price.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from billing_svc.domain.periods import Freeze, active_on, frozen_on

COUNTING = frozenset({"attended", "makeup_attended"})


def classes_for(status: str | None, absence_uses_class: bool) -> int:
    """How many classes a mark of this status uses."""
    if status in COUNTING:
        return 1
    if status == "absent" and absence_uses_class:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class Visit:
    client_id: uuid.UUID
    day: date
    group_id: uuid.UUID | None = None
    branch_id: uuid.UUID | None = None
    programme: str | None = None
    family_id: uuid.UUID | None = None  # the visitor's family, as billing knows it now


@dataclass(frozen=True, slots=True)
class PackView:
    id: uuid.UUID
    client_id: uuid.UUID
    starts_on: date
    ends_on: date | None
    classes_left: int | None  # None: unlimited
    overlapping: bool = True
    shared: bool = False
    members: frozenset[uuid.UUID] = frozenset()
    owner_family_id: uuid.UUID | None = None  # the owner's family, as billing knows it now
    group_ids: frozenset[uuid.UUID] = frozenset()
    branch_ids: frozenset[uuid.UUID] = frozenset()
    programmes: frozenset[str] = frozenset()
    freezes: tuple[Freeze, ...] = ()
    status: str = "active"
    created_seq: int = 0
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def usable_by(self, visit: Visit) -> bool:
        if self.client_id == visit.client_id:
            return True
        if not self.shared:
            return False
        same_family = visit.family_id is not None and visit.family_id == self.owner_family_id
        return visit.client_id in self.members or same_family

    def applies_to(self, visit: Visit) -> bool:
        if self.group_ids and visit.group_id not in self.group_ids:
            return False
        if self.branch_ids and visit.branch_id not in self.branch_ids:
            return False
        return not (self.programmes and visit.programme not in self.programmes)

    def valid_on(self, day: date) -> bool:
        return (
            self.status == "active"
            and active_on(self.starts_on, self.ends_on, day)
            and not frozen_on(day, self.freezes)
        )

    def has_class(self, classes: int = 1) -> bool:
        return self.classes_left is None or self.classes_left >= classes


def candidates(visit: Visit, packs: Iterable[PackView], classes: int = 1) -> list[PackView]:
    return [
        p
        for p in packs
        if p.usable_by(visit)
        and p.valid_on(visit.day)
        and p.applies_to(visit)
        and p.has_class(classes)
    ]


def _order(visit: Visit, pack: PackView) -> tuple[int, date, int, date, int]:
    own = 0 if pack.client_id == visit.client_id else 1
    expiry = pack.ends_on or date.max
    unlimited = 1 if pack.classes_left is None else 0
    return (own, expiry, unlimited, pack.starts_on, pack.created_seq)


def choose_pack(visit: Visit, packs: Sequence[PackView], classes: int = 1) -> PackView | None:
    found = candidates(visit, packs, classes)
    sequential = sorted(
        (p for p in found if not p.overlapping and p.client_id == visit.client_id),
        key=lambda p: (p.starts_on, p.created_seq),
    )
    if sequential:
        first = sequential[0]
        found = [p for p in found if p.overlapping or p.client_id != visit.client_id or p is first]
    if not found:
        return None
    return min(found, key=lambda p: _order(visit, p))
