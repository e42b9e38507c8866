"""The one helper every client query uses: what a caller may see, as a SQL condition.

An owner (all_branches) sees every client of the organisation. A caller with branch grants
sees clients whose home branch, or a current group's branch, is granted. A teacher with group
grants sees clients currently enrolled in a granted group. A membership is current until its
until_date has passed (a start in the future already counts: the teacher meets the pupil soon).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from clients_svc.models import Client, Membership
from crm_platform.internal_auth import Principal


def current_membership(today: date) -> ColumnElement[bool]:
    return or_(Membership.until_date.is_(None), Membership.until_date >= today)


def visible_clients(principal: Principal, tenant_id: uuid.UUID, today: date) -> ColumnElement[bool]:
    """Tenant and grant scope of `clients` rows; combine with any further filter."""
    tenant = Client.tenant_id == tenant_id
    if principal.realm not in ("staff", "system"):
        return false()
    if principal.all_branches or principal.realm == "system":
        return and_(tenant, true())
    reachable: list[ColumnElement[bool]] = []
    if principal.branch_ids:
        branches = sorted(principal.branch_ids)
        reachable.append(Client.branch_id.in_(branches))
        reachable.append(
            Client.id.in_(
                select(Membership.client_id).where(
                    Membership.tenant_id == tenant_id,
                    Membership.branch_id.in_(branches),
                    current_membership(today),
                )
            )
        )
    if principal.group_ids:
        reachable.append(
            Client.id.in_(
                select(Membership.client_id).where(
                    Membership.tenant_id == tenant_id,
                    Membership.group_id.in_(sorted(principal.group_ids)),
                    current_membership(today),
                )
            )
        )
    if not reachable:
        return false()
    return and_(tenant, or_(*reachable))
