"""Reads and writes the committed snapshot of every event's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import crm_contracts.events  # noqa: F401  (registers every event)
from crm_contracts.compat import Schemas
from crm_contracts.registry import registry

SNAPSHOT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "events.json"


def current() -> Schemas:
    return registry.json_schemas()


def committed() -> Schemas:
    if not SNAPSHOT_PATH.exists():
        return {}
    data: Schemas = json.loads(SNAPSHOT_PATH.read_text())
    return data


def write() -> None:
    SNAPSHOT_PATH.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT_PATH.write_text(json.dumps(current(), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write()
    print(f"wrote {SNAPSHOT_PATH}")
