"""What the service sends and why: each trigger's category and the variables its templates
may use. Transactional messages (a confirmation, an invitation, a reset) cannot be switched
off; reminders and news respect each client's opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Category = Literal["transactional", "reminders", "news"]
Audience = Literal["client", "staff", "address"]
CATEGORIES: tuple[Category, ...] = ("transactional", "reminders", "news")
COMMON = ("first_name", "name", "school")


@dataclass(frozen=True)
class Trigger:
    name: str
    category: Category
    audience: Audience
    variables: tuple[str, ...]
    # a one-time token sealed for us under this purpose (crm_platform.sealing)
    sealed: str | None = None
    # what the opened token becomes: a link to follow, or a code to type
    sealed_as: Literal["link", "code"] = "link"
    # False: each message carries its own text (a broadcast), there is no template
    templated: bool = True

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(COMMON + self.variables)


def _t(name: str, category: Category, audience: Audience, *variables: str, **kw: Any) -> Trigger:
    return Trigger(name, category, audience, variables, **kw)


TRIGGERS: dict[str, Trigger] = {
    t.name: t
    for t in (
        _t("payment_due_soon", "reminders", "client", "amount", "due_on", "balance"),
        _t("payment_overdue", "reminders", "client", "amount", "due_on", "balance"),
        _t("pack_expiring", "reminders", "client", "pack", "ends_on", "classes_left"),
        _t("pack_running_low", "reminders", "client", "pack", "ends_on", "classes_left"),
        _t("makeup_expiring", "reminders", "client", "lesson_date", "makeup_until"),
        _t("waitlist_seat_offered", "reminders", "client", "group"),
        _t(
            "subscription_renewed",
            "reminders",
            "client",
            "pack",
            "period_starts_on",
            "period_ends_on",
            "amount",
            "due_on",
            "classes_issued",
        ),
        _t(
            "email_confirmation",
            "transactional",
            "address",
            "link",
            "expires_at",
            sealed="confirm_email",
        ),
        _t(
            "staff_invitation",
            "transactional",
            "staff",
            "link",
            "expires_at",
            "role",
            sealed="invite",
        ),
        _t("client_welcome", "transactional", "client"),
        _t("comment_visible", "reminders", "client", "comment"),
        _t(
            "lead_created",
            "transactional",
            "staff",
            "lead_name",
            "lead_phone",
            "lead_email",
            "lead_source",
        ),
        _t("password_reset", "transactional", "staff", "link", "expires_at", sealed="reset"),
        # staff's own text to many clients (broadcasts/): marketing, so opt-outs apply
        _t("broadcast", "news", "client", templated=False),
        _t(
            "portal_code",
            "transactional",
            "address",
            "code",
            "purpose",
            "expires_at",
            sealed="portal_code",
            sealed_as="code",
        ),
    )
}


def dedup_key(trigger: str, occurrence: str, recipient: str, channel: str) -> str:
    """One message per reason x recipient x channel; the database holds it unique."""
    return f"{trigger}:{occurrence}:{recipient}:{channel}"


# Which reachable channel a client message takes, first to last, unless the organisation
# chose its own order ("first reachable").
DEFAULT_CHANNEL_ORDER = ("telegram", "push", "email", "sms")
# At most this many broadcasts reach one client a day, unless the organisation chose.
DEFAULT_DAILY_NEWS_CAP = 3


TEMPLATED = tuple(sorted(name for name, t in TRIGGERS.items() if t.templated))

# SMS cost money: an organisation that turns them on sends at most this many a month unless
# it chose another cap.
DEFAULT_SMS_MONTHLY_CAP = 500
