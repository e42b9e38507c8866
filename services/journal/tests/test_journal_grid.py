"""The journal of a group: lessons as columns, clients as rows (active first, those who left
at the end), cells with statuses and comment counts, rows filled from consumed events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from journal_svc.grid.schemas import Journal

from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.clients import ClientArchived, ClientRegistered, ClientUpdated
from crm_contracts.events.identity import OrganisationRegistered

from .conftest import Api, J, Org


def register(api: Api, org: Org, client: uuid.UUID, first: str, last: str, **card: object) -> None:
    payload = ClientRegistered(client_id=client, first_name=first, last_name=last, **card)
    assert api.deliver(payload, org.tenant) == ["done"]


def test_the_journal_shows_the_month_with_rows_in_order(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 20))
    group = api.group(org, capacity=10, programme="Art")
    lessons = [api.lesson(org, group, f"2026-03-{d:02d}") for d in (2, 9, 16, 23)]
    api.lesson(org, group, "2026-04-06")  # outside the month
    zoe, adam, left = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    register(api, org, zoe, "Zoe", "Abbott", birthday="2019-03-21", phone="+48500100200")
    register(api, org, adam, "Adam", "Zielinski", email="adam@example.com")
    register(api, org, left, "Lena", "Aalto")
    api.enrol(org, group, zoe, "2026-02-01")
    api.enrol(org, group, adam, "2026-03-05")
    api.enrol(org, group, left, "2026-02-01", until_date="2026-03-10")
    assert api.deliver(
        BalanceChanged(client_id=adam, balance_minor=-4500, currency="PLN"),
        org.tenant,
        source="billing",
    ) == ["done"]
    for lesson, status in zip(lessons[:2], ("attended", "excused"), strict=True):
        assert api.mark(org.owner, lesson, zoe, status).status_code == 200
    api.mark(org.owner, lessons[0], left, "absent")
    api.mark(org.owner, lessons[1], adam, "planned")
    comment = {"kind": "action", "body": "Call the parents"}
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json=comment | {"target": "cell", "lesson_id": lessons[1]["id"], "client_id": str(zoe)},
    )
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json=comment | {"target": "lesson", "lesson_id": lessons[0]["id"]},
    )
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json=comment | {"target": "client", "group_id": group["id"], "client_id": str(adam)},
    )
    api.ok(
        "POST",
        f"{J}/comments",
        org.owner,
        201,
        json=comment | {"target": "group", "group_id": group["id"]},
    )

    journal = api.ok("GET", f"{J}/groups/{group['id']}/journal", org.owner)
    # The grid is written straight to JSON: it must still be exactly the documented shape.
    assert Journal.model_validate(journal).model_dump(mode="json") == journal
    assert (journal["from_date"], journal["until_date"], journal["as_of"]) == (
        "2026-03-01",
        "2026-03-31",
        "2026-03-20",
    )
    assert [c["lesson_date"] for c in journal["lessons"]] == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
    ]
    assert [c["comments"] for c in journal["lessons"]] == [1, 0, 0, 0]
    assert journal["lessons"][0]["attended"] == 1
    assert journal["comments"] == 1
    rows = journal["rows"]
    assert [(r["last_name"], r["state"]) for r in rows] == [
        ("Abbott", "active"),
        ("Zielinski", "active"),
        ("Aalto", "left"),
    ]
    zoe_row, adam_row, _ = rows
    assert (zoe_row["age"], zoe_row["phone"], zoe_row["enrolled_from"]) == (
        6,
        "+48500100200",
        "2026-02-01",
    )
    assert {k: v["status"] for k, v in zoe_row["cells"].items()} == {
        lessons[0]["id"]: "attended",
        lessons[1]["id"]: "excused",
    }
    assert zoe_row["cells"][lessons[1]["id"]]["comments"] == 1
    assert (adam_row["balance_minor"], adam_row["currency"], adam_row["comments"]) == (
        -4500,
        "PLN",
        1,
    )
    assert adam_row["email"] == "adam@example.com"

    hidden = api.ok(
        "GET",
        f"{J}/groups/{group['id']}/journal",
        org.teacher(group["id"], finances_hidden=True),
    )
    assert hidden["rows"][1]["balance_minor"] is None
    assert hidden["rows"][1]["phone"] is None
    assert hidden["rows"][1]["first_name"] == "Adam"


def test_a_make_up_guest_shows_between_members_and_leavers(api: Api, org: Org) -> None:
    api.today(date(2026, 5, 20))
    home = api.group(org)
    host = api.group(org)
    guest = uuid.uuid4()
    api.enrol(org, home, guest)
    absence = api.mark(org.owner, api.lesson(org, home, "2026-05-04"), guest, "excused").json()
    member = api.enrol(org, host)["client_id"]
    leaver = api.enrol(org, host, until_date="2026-05-02")["client_id"]
    lesson = api.lesson(org, host, "2026-05-06", "12:00")
    api.mark(org.owner, lesson, guest, "makeup_attended", makeup_of=absence["id"])
    journal = api.ok(
        "GET",
        f"{J}/groups/{host['id']}/journal?from_date=2026-05-01&until_date=2026-05-31",
        org.owner,
    )
    assert [(r["client_id"], r["state"]) for r in journal["rows"]] == [
        (member, "active"),
        (str(guest), "guest"),
        (leaver, "left"),
    ]
    cell = journal["rows"][1]["cells"][lesson["id"]]
    assert (cell["status"], cell["makeup_of"]) == ("makeup_attended", absence["id"])


def test_another_groups_or_organisations_journal_is_not_found(api: Api, org: Org) -> None:
    mine, theirs = api.group(org), api.group(org)
    teacher = org.teacher(mine["id"])
    assert api.call("GET", f"{J}/groups/{mine['id']}/journal", teacher).status_code == 200
    assert api.call("GET", f"{J}/groups/{theirs['id']}/journal", teacher).status_code == 404
    assert api.call("GET", f"{J}/groups/{mine['id']}/journal", Org().owner).status_code == 404
    too_long = api.call(
        "GET",
        f"{J}/groups/{mine['id']}/journal?from_date=2026-01-01&until_date=2027-06-01",
        org.owner,
    )
    assert too_long.status_code == 422


def test_client_and_organisation_events_keep_the_journal_copy(api: Api, org: Org) -> None:
    client = uuid.uuid4()
    now = datetime.now(UTC)
    register(api, org, client, "Ola", "Nowak")
    newer = ClientUpdated(client_id=client, first_name="Aleksandra", last_name="Nowak")
    assert api.deliver(newer, org.tenant, time=now + timedelta(seconds=5)) == ["done"]
    older = ClientUpdated(client_id=client, first_name="Old", last_name="Name")
    assert api.deliver(older, org.tenant, time=now - timedelta(hours=1)) == ["done"]
    [card] = api.sql("SELECT first_name, status FROM client_cards WHERE client_id = $1", client)
    assert (card["first_name"], card["status"]) == ("Aleksandra", "active")
    # Another organisation's event cannot rewrite this organisation's copy.
    hijack = ClientUpdated(client_id=client, first_name="Mallory", last_name="X")
    assert api.deliver(hijack, uuid.uuid4(), time=now + timedelta(hours=1)) == ["done"]
    assert (
        api.sql("SELECT first_name FROM client_cards WHERE client_id = $1", client)[0][0]
        == "Aleksandra"
    )
    archived = ClientArchived(client_id=client)
    assert api.deliver(archived, org.tenant, time=now + timedelta(seconds=10)) == ["done"]
    group = api.group(org)
    refused = api.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(client), "from_date": "2026-03-01"},
    )
    assert refused.status_code == 409

    registered = OrganisationRegistered(
        organisation_id=org.tenant,
        name="Music school",
        currency="PLN",
        time_zone="Pacific/Kiritimati",
        locale="pl",
        first_branch_id=org.branch,
        owner_user_id=uuid.uuid4(),
    )
    assert api.deliver(registered, org.tenant, source="identity") == ["done"]
    assert api.deliver(registered, org.tenant, source="identity") == ["done"]
    # 22:00 UTC on March 31 is already April 1 in Kiritimati (UTC+14).
    api.client.app.state.clock = lambda: datetime(2026, 3, 31, 22, tzinfo=UTC)  # type: ignore[attr-defined]
    journal = api.ok("GET", f"{J}/groups/{group['id']}/journal", org.owner)
    assert journal["from_date"] == "2026-04-01"
    settings = api.ok("GET", f"{J}/settings", org.owner)
    assert (settings["time_zone"], settings["makeup_days"]) == ("Pacific/Kiritimati", 30)


def test_a_journal_held_by_the_caller_is_not_sent_again(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 20))
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-02")
    client = uuid.uuid4()
    register(api, org, client, "Ola", "Nowak")
    api.enrol(org, group, client, "2026-03-01")
    path = f"{J}/groups/{group['id']}/journal?from_date=2026-03-01&until_date=2026-03-31"
    first = api.call("GET", path, org.owner)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    held = api.call("GET", path, org.owner, headers={"If-None-Match": tag})
    assert (held.status_code, held.content, held.headers["etag"]) == (304, b"", tag)
    assert api.call("GET", path, org.owner, headers={"If-None-Match": "*"}).status_code == 304
    weak = api.call("GET", path, org.owner, headers={"If-None-Match": f'"x", W/{tag}'})
    assert weak.status_code == 304
    # A mark, a card's change or a balance makes it another answer, sent whole.
    assert api.mark(org.owner, lesson, client, "attended").status_code == 200
    marked = api.call("GET", path, org.owner, headers={"If-None-Match": tag})
    assert marked.status_code == 200
    assert marked.json()["rows"][0]["cells"][lesson["id"]]["status"] == "attended"
    renamed = ClientUpdated(client_id=client, first_name="Aleksandra", last_name="Nowak")
    assert api.deliver(renamed, org.tenant) == ["done"]
    again = api.call("GET", path, org.owner, headers={"If-None-Match": marked.headers["etag"]})
    assert again.status_code == 200
    assert again.json()["rows"][0]["first_name"] == "Aleksandra"
    # The tag is of the caller's own answer: a teacher without finances holds another one,
    # and one who may not see the group gets 404 whatever tag they send.
    hidden = org.teacher(group["id"], finances_hidden=True)
    theirs = api.call("GET", path, hidden, headers={"If-None-Match": again.headers["etag"]})
    assert theirs.status_code == 200
    outsider = org.teacher(api.group(org)["id"])
    refused = api.call("GET", path, outsider, headers={"If-None-Match": "*"})
    assert refused.status_code == 404
