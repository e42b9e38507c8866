"""Detects breaking changes between two snapshots of event JSON Schemas.

Within one (type, version) fields may only be added, and only as optional fields.
Removing a type, removing a field, changing a field's schema or making a field required
is breaking: such a change is a new version of the event.
"""

from __future__ import annotations

import json
from typing import Any

Schemas = dict[str, dict[str, Any]]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def breaking_changes(old: Schemas, new: Schemas) -> list[str]:
    problems: list[str] = []
    for key, old_schema in sorted(old.items()):
        if key not in new:
            problems.append(f"{key}: event removed")
            continue
        new_schema = new[key]
        old_props: dict[str, Any] = old_schema.get("properties", {})
        new_props: dict[str, Any] = new_schema.get("properties", {})
        for name, old_prop in old_props.items():
            if name not in new_props:
                problems.append(f"{key}: field {name!r} removed")
            elif _canonical(old_prop) != _canonical(new_props[name]):
                problems.append(f"{key}: field {name!r} changed")
        newly_required = set(new_schema.get("required", [])) - set(old_schema.get("required", []))
        for name in sorted(newly_required):
            problems.append(f"{key}: field {name!r} is now required")
        if _canonical(old_schema.get("$defs", {})) != _canonical(
            {
                k: v
                for k, v in new_schema.get("$defs", {}).items()
                if k in old_schema.get("$defs", {})
            }
        ):
            problems.append(f"{key}: a shared definition changed")
    return problems
