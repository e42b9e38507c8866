from crm_contracts import snapshot
from crm_contracts.compat import breaking_changes

BASE = {
    "x.happened@v1": {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
}


def test_committed_snapshot_has_no_breaking_change() -> None:
    problems = breaking_changes(snapshot.committed(), snapshot.current())
    assert problems == [], "breaking event change: publish a new version instead"


def test_committed_snapshot_is_up_to_date() -> None:
    assert snapshot.committed() == snapshot.current(), (
        "event schemas changed: run `make schemas` and commit libs/contracts/schemas/events.json"
    )


def test_adding_an_optional_field_is_compatible() -> None:
    new = {
        "x.happened@v1": {
            "properties": {**BASE["x.happened@v1"]["properties"], "c": {"type": "string"}},
            "required": ["a"],
        }
    }
    assert breaking_changes(BASE, new) == []


def test_removed_changed_and_newly_required_fields_are_breaking() -> None:
    new = {
        "x.happened@v1": {
            "properties": {"a": {"type": "integer"}, "c": {"type": "string"}},
            "required": ["a", "c"],
        }
    }
    assert breaking_changes(BASE, new) == [
        "x.happened@v1: field 'a' changed",
        "x.happened@v1: field 'b' removed",
        "x.happened@v1: field 'c' is now required",
    ]
    assert breaking_changes(BASE, {}) == ["x.happened@v1: event removed"]
