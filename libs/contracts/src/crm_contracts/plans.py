"""Plans an organisation can be on, and the limits each brings until an operator sets others.

A limit of None means no limit. The plan of a new organisation is a setting of the deployment
(IDENTITY_DEFAULT_PLAN): a self-hosted school runs on "standard", a hosted service on "free".
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

LIMIT_NAMES: Final = ("active_clients", "branches", "staff")


class PlanLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    active_clients: int | None = Field(default=None, ge=1, le=10_000_000)
    branches: int | None = Field(default=None, ge=1, le=100_000)
    staff: int | None = Field(default=None, ge=1, le=100_000)


PLANS: Final[dict[str, PlanLimits]] = {
    "free": PlanLimits(active_clients=3),
    "standard": PlanLimits(),
}
DEFAULT_PLAN: Final = "standard"


def plan_limits(plan: str) -> PlanLimits:
    """The limits a plan brings; a plan this catalogue does not know has none."""
    return PLANS.get(plan, PlanLimits())
