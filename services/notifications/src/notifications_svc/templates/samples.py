"""Example values of every declared variable, for previews and test sends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any


def sample_variables(currency: str, today: date, public_url: str) -> dict[str, Any]:
    return {
        "first_name": "Anna",
        "name": "Anna Nowak",
        "amount_minor": 12_550,
        "balance_minor": -12_550,
        "currency": currency,
        "due_on": (today + timedelta(days=3)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "pack": "10 classes",
        "lesson_date": (today - timedelta(days=27)).isoformat(),
        "makeup_until": (today + timedelta(days=3)).isoformat(),
        "classes_left": 2,
        "classes_issued": 8,
        "period_starts_on": today.isoformat(),
        "period_ends_on": (today + timedelta(days=30)).isoformat(),
        "role": "teacher",
        "lead_name": "Jan Kowalski",
        "lead_phone": "+48600100200",
        "lead_email": "jan@example.com",
        "lead_source": "website",
        "group": "Piano, beginners",
        "comment": "Please bring the new songbook next time.",
        "code": "123456",
        "purpose": "signin",
        "link": public_url.rstrip("/") + "/example-link",
        "expires_at": datetime.combine(today + timedelta(days=3), datetime.min.time()).isoformat()
        + "+00:00",
    }
