"""The kinds of history line: HISTORY_KINDS names every kind the source records (readers that
word the lines themselves, the web in the page's language, are checked against it), and a
line's data carries what its sentence needs besides the English summary."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import clients_svc
from clients_svc.domain.history import HISTORY_KINDS

from crm_contracts.events import billing, clients, identity, journal, portal

from .conftest import Api
from .test_statuses import freeze, later

SOURCE = Path(clients_svc.__file__).parent
CLIENTS = "/api/v1/clients/clients"
EVENT_MODULES = (billing, clients, identity, journal, portal)


def _event_type(name: str) -> str:
    for module in EVENT_MODULES:
        if hasattr(module, name):
            return str(getattr(module, name).event_type)
    raise AssertionError(f"no event class {name}")


def _calls(node: ast.AST) -> Iterator[str]:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            yield func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _kinds_in(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        # History(ctx).record(card, section, "kind", ...)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record"
            and len(node.args) >= 3
            and isinstance(node.args[2], ast.Constant)
        ):
            yield str(node.args[2].value)
        # a row written directly: {"kind": "client.imported", ...}
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "kind"
                    and isinstance(value, ast.Constant)
                    and "." in str(value.value)
                ):
                    yield str(value.value)
        # a kind chosen from a table: NAME: dict[str, HistoryKind] = {...}
        if (
            isinstance(node, ast.AnnAssign)
            and "HistoryKind" in ast.unparse(node.annotation)
            and isinstance(node.value, ast.Dict)
        ):
            yield from (str(v.value) for v in node.value.values if isinstance(v, ast.Constant))
        # a handler of another context's event that writes a line: kind is the event's type
        if isinstance(node, ast.AsyncFunctionDef):
            calls = set(_calls(node))
            if calls & {"record", "_history"}:
                for decorator in node.decorator_list:
                    if (
                        isinstance(decorator, ast.Call)
                        and ast.unparse(decorator.func) == "handlers.on"
                        and isinstance(decorator.args[0], ast.Name)
                    ):
                        yield _event_type(decorator.args[0].id)


def recorded_kinds() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(_kinds_in(ast.parse(path.read_text(), str(path))))
    return found


def test_history_kinds_names_every_kind_the_source_records() -> None:
    recorded = recorded_kinds()
    assert "journal.enrolment_started" in recorded  # the handlers' event types are found
    assert "task.done" in recorded  # and kinds chosen from a table
    assert sorted(recorded) == sorted(HISTORY_KINDS)


def _lines(api: Api, owner: Any, client_id: str) -> list[dict[str, Any]]:
    answer = api.ok("GET", f"{CLIENTS}/{client_id}/history", owner, params={"limit": 100})
    found: list[dict[str, Any]] = answer["items"]
    return found


def test_a_freeze_and_a_task_keep_their_dates_and_words_in_the_data(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    assert freeze(api, org, client, from_date=later(2), until_date=later(9)).status_code == 200
    api.ok("POST", f"{CLIENTS}/{client['id']}/unfreeze", org.owner)
    task = api.ok(
        "POST",
        f"{CLIENTS}/{client['id']}/tasks",
        org.owner,
        json={"kind": "call", "title": "Ask about May", "due_date": "2026-05-04"},
    )
    api.ok(
        "PATCH",
        f"{CLIENTS}/{client['id']}/tasks/{task['id']}",
        org.owner,
        json={"status": "done"},
        headers={"If-Match": "1"},
    )
    lines = {line["kind"]: line["data"] for line in _lines(api, org.owner, client["id"])}
    assert lines["client.frozen"] == {
        "from": later(2),
        "until": later(9),
        "reason": "ill",
        "scheduled": True,
    }
    assert lines["client.unfrozen"] == {"reason": "manual"}
    assert lines["task.created"] | {"task_id": None} == {
        "task_id": None,
        "assignee_id": None,
        "task_kind": "call",
        "due_date": "2026-05-04",
        "title": "Ask about May",
    }
    assert lines["task.done"] == {"task_id": task["id"], "title": "Ask about May"}
