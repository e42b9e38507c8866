"""A journal comment made visible to the client is written to them once: to the named client,
or to each client of the group for a lesson or group comment; edits and re-showing it write
no second letter, a hidden one none at all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from crm_contracts.events.journal import CommentVisible, EnrolmentStarted

from .conftest import Api, Org, text_of, wait_for


def comment(org: Org, group: uuid.UUID, **kw: Any) -> CommentVisible:
    fields: dict[str, Any] = {
        "comment_id": uuid.uuid4(),
        "group_id": group,
        "branch_id": org.branch,
        "target": "client",
        "kind": "information",
        "body": "Please bring the songbook.",
        "visible_to_client": True,
        "version": 1,
        "created_at": datetime.now(UTC),
    } | kw
    return CommentVisible(**fields)


def enrol(api: Api, org: Org, client: uuid.UUID, group: uuid.UUID) -> None:
    started = EnrolmentStarted(
        enrolment_id=uuid.uuid4(),
        group_id=group,
        branch_id=org.branch,
        client_id=client,
        from_date=date(2026, 9, 1),
    )
    api.deliver(api.envelope(started, org.tenant, source="journal"))


def test_a_visible_comment_reaches_its_client_once(api: Api) -> None:
    org = api.organisation(locale="uk")
    client = api.client_of(org, email="pupil@comment.test")
    group = uuid.uuid4()
    note = comment(org, group, client_id=client, body="Візьміть нотний зошит.")
    event = api.envelope(note, org.tenant, source="journal")
    assert api.deliver(event) == ["done"]
    assert api.deliver(event) == ["duplicate"]
    edited = note.model_copy(update={"body": "Візьміть зошит та олівець.", "version": 2})
    api.deliver(api.envelope(edited, org.tenant, source="journal"))

    (letter,) = wait_for(lambda: api.smtp.to("pupil@comment.test"))
    assert letter["Subject"] == "Повідомлення від Music school"
    assert "Візьміть нотний зошит." in text_of(letter)
    wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert len(api.messages(client_id=client)) == 1


def test_a_group_comment_reaches_each_client_of_the_group_and_a_hidden_one_nobody(
    api: Api,
) -> None:
    org = api.organisation()
    group = uuid.uuid4()
    first = api.client_of(org, email="first@comment.test")
    second = api.client_of(org, email="second@comment.test")
    outsider = api.client_of(org, email="outsider@comment.test")
    enrol(api, org, first, group)
    enrol(api, org, second, group)
    enrol(api, org, outsider, uuid.uuid4())
    api.send(comment(org, group, target="lesson", lesson_id=uuid.uuid4()), org.tenant)
    api.send(comment(org, group, target="group", visible_to_client=False), org.tenant)

    wait_for(lambda: api.smtp.to("first@comment.test"))
    wait_for(lambda: api.smtp.to("second@comment.test"))
    rows = api.messages(trigger="comment_visible", tenant_id=org.tenant)
    assert sorted(r["address"] for r in rows) == ["first@comment.test", "second@comment.test"]
    assert api.smtp.to("outsider@comment.test") == []
