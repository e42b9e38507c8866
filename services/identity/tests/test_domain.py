"""Identity's pure rules, without a database: the slowing of guesses and grant checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from identity_svc.domain.grants import grant_errors
from identity_svc.domain.guesses import wait_seconds

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_free_failures_cost_nothing_then_each_further_one_doubles_the_wait() -> None:
    latest = NOW - timedelta(seconds=1)
    assert wait_seconds(4, latest, 5, NOW, 10, 900) is None
    assert wait_seconds(5, latest, 5, NOW, 10, 900) == 9
    assert wait_seconds(6, latest, 5, NOW, 10, 900) == 19
    assert wait_seconds(20, latest, 5, NOW, 10, 900) == 899  # the ceiling


def test_a_wait_that_has_passed_lets_the_attempt_go_ahead() -> None:
    assert wait_seconds(5, NOW - timedelta(seconds=11), 5, NOW, 10, 900) is None
    assert wait_seconds(5, NOW - timedelta(seconds=9.5), 5, NOW, 10, 900) == 1


def test_grants_name_each_wrong_scope_and_each_unknown_branch() -> None:
    known, unknown, group = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    scopes = [("branch", known), ("group", group), ("branch", unknown)]
    assert grant_errors("admin", scopes, {known}) == [
        ("grants.1.scope", "a admin takes grants of scope branch"),
        ("grants.2.scope_id", "no such branch"),
    ]
    assert grant_errors("teacher", scopes[:2], {known}) == []
    assert grant_errors("owner", scopes[:1], {known}) == [
        ("grants.0.scope", "a owner takes grants of scope none")
    ]
