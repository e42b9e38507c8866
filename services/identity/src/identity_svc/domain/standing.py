"""An organisation's standing: its plan, the limits that come with it, and whether it is
suspended. Operators change it; identity enforces the limits it counts itself (branches,
staff) and refuses a suspended organisation's staff; the clients context enforces its own."""

from __future__ import annotations

from crm_contracts.events.identity import OrganisationPlanChanged
from crm_contracts.plans import PlanLimits
from crm_platform.errors import ProblemError
from identity_svc.models import Organisation

SUSPENDED = "https://school-crm.example/problems/organisation-suspended"
PLAN_LIMIT = "https://school-crm.example/problems/plan-limit"


def suspended_error(org: Organisation) -> ProblemError:
    reason = org.suspended_reason or "no reason given"
    return ProblemError(
        403,
        "Forbidden",
        f"this organisation is suspended: {reason}",
        type_=SUSPENDED,
        keep_changes=True,
    )


def refuse_if_suspended(org: Organisation | None) -> None:
    if org is not None and org.status == "suspended":
        raise suspended_error(org)


def limits_of(org: Organisation) -> PlanLimits:
    return PlanLimits(
        active_clients=org.max_active_clients,
        branches=org.max_branches,
        staff=org.max_staff,
    )


def set_limits(org: Organisation, limits: PlanLimits) -> None:
    org.max_active_clients = limits.active_clients
    org.max_branches = limits.branches
    org.max_staff = limits.staff


def ensure_room(org: Organisation, what: str, limit: int | None, count: int) -> None:
    """409 when adding one more `what` would go over the plan's limit."""
    if limit is not None and count + 1 > limit:
        raise ProblemError(
            409,
            "Conflict",
            f"the {org.plan} plan allows {limit} {what} and this organisation has {count}; "
            "ask for a larger plan",
            type_=PLAN_LIMIT,
        )


def plan_changed(org: Organisation) -> OrganisationPlanChanged:
    return OrganisationPlanChanged(
        organisation_id=org.id,
        plan=org.plan,
        max_active_clients=org.max_active_clients,
        max_branches=org.max_branches,
        max_staff=org.max_staff,
        status="suspended" if org.status == "suspended" else "active",
        suspended_reason=org.suspended_reason,
    )
