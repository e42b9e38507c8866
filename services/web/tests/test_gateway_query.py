"""Query values go to the API as it reads them."""

from __future__ import annotations

from web_svc.gateway import query


def test_booleans_lists_and_missing_values() -> None:
    pairs = query({"archived": True, "debt": False, "tag": ["a", "b"], "q": None, "limit": 50})
    assert pairs == [
        ("archived", "true"),
        ("debt", "false"),
        ("tag", "a"),
        ("tag", "b"),
        ("limit", "50"),
    ]
    assert query(None) == []
