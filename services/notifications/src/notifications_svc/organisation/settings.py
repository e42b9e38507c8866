"""The organisation's notification settings: quiet hours (default 21:00-09:00, or off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from notifications_svc.domain.quiet import parse_hhmm
from notifications_svc.models import Organisation


@dataclass(frozen=True)
class OrganisationPrefs:
    # "21:00-09:00", or "" for none, where an organisation has not chosen
    default_quiet_hours: str

    def quiet_window(self, org: Organisation | None) -> dict[str, str] | None:
        settings = org.settings if org is not None else {}
        if "quiet_hours" in settings:
            chosen = settings["quiet_hours"]
            return dict(chosen) if chosen else None
        if not self.default_quiet_hours:
            return None
        start, end = self.default_quiet_hours.split("-")
        return {"start": start, "end": end}

    def quiet_hours(self, org: Organisation | None) -> tuple[time, time] | None:
        window = self.quiet_window(org)
        if window is None:
            return None
        return parse_hhmm(window["start"]), parse_hhmm(window["end"])
