"""The read models built from the owners' events, and what the portal answers from them."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

from crm_contracts.events import billing as b
from crm_contracts.events import clients as c
from crm_contracts.events import journal as j
from crm_contracts.events import notifications as n

from .conftest import Api, Org, P, account, envelope, link


def pack(org: Org, owner: uuid.UUID, left: int, **fields: object) -> b.PackChanged:
    state: dict[str, object] = {
        "pack_id": uuid.UUID(int=1),
        "client_id": owner,
        "name": "8 classes",
        "kind": "pack",
        "classes_total": 8,
        "classes_left": left,
        "starts_on": date(2026, 2, 1),
        "ends_on": date(2026, 4, 30),
        "status": "active",
        "change": "class_used",
    } | fields
    return b.PackChanged.model_validate(state)


def lesson(org: Org, day: date, at: str = "17:00", **fields: object) -> j.LessonScheduled:
    return j.LessonScheduled.model_validate(
        {
            "lesson_id": uuid.uuid4(),
            "group_id": org.group,
            "branch_id": org.branch,
            "lesson_date": day,
            "starts_at": at,
            "duration_minutes": 45,
        }
        | fields
    )


def test_overview_balance_packs_lessons_invoices_and_as_of(api: Api, org: Org) -> None:
    own = uuid.uuid4()
    shared = uuid.uuid4()
    named = uuid.uuid4()
    past, soon, later = (lesson(org, date(2026, 3, d)) for d in (1, 4, 11))
    cancelled = lesson(org, date(2026, 3, 3))
    invoice = uuid.uuid4()
    api.deliver(
        org,
        b.BalanceChanged(client_id=org.child, balance_minor=-12000, currency="PLN"),
        pack(org, org.child, 5, pack_id=own),
        # The parent's family pack is the child's too; a pack shared by name with the child.
        pack(org, org.parent, 3, pack_id=shared, shared=True, name="Family 10"),
        pack(org, uuid.uuid4(), 2, pack_id=named, members=[org.child], name="Gift"),
        # Neither an expired nor an ended pack shows.
        pack(org, org.child, 0, pack_id=uuid.uuid4(), status="expired"),
        pack(org, org.child, 4, pack_id=uuid.uuid4(), ends_on=date(2026, 3, 1)),
        past,
        soon,
        later,
        cancelled,
        j.LessonCancelled(
            lesson_id=cancelled.lesson_id,
            group_id=org.group,
            branch_id=org.branch,
            lesson_date=cancelled.lesson_date,
        ),
        b.InvoiceIssued(
            invoice_id=invoice,
            client_id=org.child,
            description="March",
            amount_minor=20000,
            paid_minor=8000,
            currency="PLN",
            due_on=date(2026, 3, 10),
            status="open",
            period_from=date(2026, 3, 2),
        ),
    )
    seen = api.get(f"{P}/overview", account(org.tenant, org.parent), client_id=org.child)
    assert seen["client"]["first_name"] == "Jan"
    assert seen["balance"] == {"amount_minor": -12000, "currency": "PLN"}
    packs = {p["pack_id"]: p for p in seen["packs"]}
    assert set(packs) == {str(own), str(shared), str(named)}
    assert packs[str(own)]["classes_left"] == 5
    assert not packs[str(own)]["family_pack"]
    assert packs[str(shared)]["family_pack"]
    assert packs[str(shared)]["classes_left"] == 3
    assert [x["lesson_id"] for x in seen["next_lessons"]] == [
        str(soon.lesson_id),
        str(later.lesson_id),
    ]
    assert seen["next_lessons"][0]["group_name"] == "Piano 1"
    [brief] = seen["open_invoices"]
    assert brief["invoice_id"] == str(invoice)
    assert (brief["period_from"], brief["period_until"]) == ("2026-03-02", None)
    assert seen["unread_messages"] == 0
    for source in ("clients", "billing", "journal"):
        assert datetime.fromisoformat(seen["as_of"][source]) <= org.clock[0]
    # The other child sees the family pack but not Jan's own.
    other = api.get(f"{P}/overview", account(org.tenant, org.parent), client_id=org.other_child)
    assert [p["pack_id"] for p in other["packs"]] == [str(shared)]
    assert other["balance"] is None
    assert other["next_lessons"] == []


def test_an_older_pack_state_delivered_late_changes_nothing(api: Api, org: Org) -> None:
    pack_id = uuid.uuid4()
    first, second = org.at(), org.at()
    api.deliver(org, pack(org, org.child, 4, pack_id=pack_id), at=second)
    api.deliver(org, pack(org, org.child, 5, pack_id=pack_id), at=first)
    seen = api.get(f"{P}/overview", account(org.tenant, org.child))
    assert [p["classes_left"] for p in seen["packs"]] == [4]
    # A redelivered event (same id) has no second effect either.
    again = envelope(
        b.BalanceChanged(client_id=org.child, balance_minor=5, currency="PLN"), org.tenant, org.at()
    )
    assert api.deliver_envelopes([again]) == ["done"]
    assert api.deliver_envelopes([again]) == ["duplicate"]


def test_makeup_credits_until_their_window_closes_or_a_makeup_uses_them(api: Api, org: Org) -> None:
    missed = lesson(org, date(2026, 2, 23))
    excused = uuid.uuid4()
    old = uuid.uuid4()
    api.deliver(
        org,
        missed,
        j.AttendanceMarked(
            mark_id=excused,
            lesson_id=missed.lesson_id,
            group_id=org.group,
            branch_id=org.branch,
            client_id=org.child,
            lesson_date=missed.lesson_date,
            status="excused",
            makeup_until=date(2026, 3, 25),
        ),
        j.AttendanceMarked(
            mark_id=old,
            lesson_id=uuid.uuid4(),
            group_id=org.group,
            branch_id=org.branch,
            client_id=org.child,
            lesson_date=date(2026, 1, 5),
            status="excused",
            makeup_until=date(2026, 2, 5),
        ),
    )
    who = account(org.tenant, org.child)
    credits = api.get(f"{P}/overview", who)["makeup_credits"]
    assert [(x["mark_id"], x["usable_until"]) for x in credits] == [(str(excused), "2026-03-25")]
    # A make-up booked ahead into another group's lesson uses the credit and shows as next.
    other_group = uuid.uuid4()
    target = lesson(org, date(2026, 3, 5), group_id=other_group)
    api.deliver(
        org,
        j.GroupCreated(group_id=other_group, branch_id=org.branch, name="Piano 2"),
        target,
        j.AttendanceMarked(
            mark_id=uuid.uuid4(),
            lesson_id=target.lesson_id,
            group_id=other_group,
            branch_id=org.branch,
            client_id=org.child,
            lesson_date=target.lesson_date,
            status="planned",
            makeup_of=excused,
        ),
    )
    seen = api.get(f"{P}/overview", who)
    assert seen["makeup_credits"] == []
    assert [(x["group_name"], x["makeup"]) for x in seen["next_lessons"]] == [("Piano 2", True)]


def test_attendance_with_the_five_statuses_and_visible_comments(api: Api, org: Org) -> None:
    lessons = [lesson(org, date(2026, 2, d)) for d in (2, 9, 16, 23)]
    statuses = ["attended", "absent", "excused", "planned"]
    marks = [uuid.uuid4() for _ in lessons]
    api.deliver(org, *lessons)
    api.deliver(
        org,
        *(
            j.AttendanceMarked(
                mark_id=m,
                lesson_id=x.lesson_id,
                group_id=org.group,
                branch_id=org.branch,
                client_id=org.child,
                lesson_date=x.lesson_date,
                status=s,  # type: ignore[arg-type]
            )
            for m, x, s in zip(marks, lessons, statuses, strict=True)
        ),
        j.AttendanceMarked(
            mark_id=uuid.uuid4(),
            lesson_id=uuid.uuid4(),
            group_id=uuid.uuid4(),
            branch_id=org.branch,
            client_id=org.child,
            lesson_date=date(2026, 2, 25),
            status="makeup_attended",
            makeup_of=marks[2],
        ),
        # A mark removed later is gone; a comment hidden again is gone.
        j.AttendanceUnmarked(
            mark_id=marks[3],
            lesson_id=lessons[3].lesson_id,
            group_id=org.group,
            client_id=org.child,
            lesson_date=lessons[3].lesson_date,
            previous_status="planned",
        ),
    )
    visible, hidden, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def comment(cid: uuid.UUID, shown: bool, version: int, **kw: object) -> j.CommentVisible:
        return j.CommentVisible.model_validate(
            {
                "comment_id": cid,
                "group_id": org.group,
                "branch_id": org.branch,
                "target": "cell",
                "lesson_id": lessons[0].lesson_id,
                "client_id": org.child,
                "kind": "information",
                "body": f"comment {version}",
                "visible_to_client": shown,
                "version": version,
                "created_at": org.clock[0],
            }
            | kw
        )

    api.deliver(
        org,
        comment(visible, True, 2),
        comment(visible, True, 1),  # older version, late: ignored
        comment(hidden, True, 1),
        comment(hidden, False, 2),
        comment(stranger, True, 1, client_id=org.other_child),
    )
    seen = api.get(f"{P}/attendance", account(org.tenant, org.child))
    got = [(x["lesson_date"], x["status"]) for x in seen["marks"]]
    assert got == [
        ("2026-02-25", "makeup_attended"),
        ("2026-02-16", "excused"),
        ("2026-02-09", "absent"),
        ("2026-02-02", "attended"),
    ]
    assert [x["body"] for x in seen["marks"][-1]["comments"]] == ["comment 2"]
    assert seen["comments"] == []


def test_payments_invoices_and_a_printable_invoice(api: Api, org: Org) -> None:
    paid, reversed_, invoice = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api.deliver(
        org,
        # The cancellation arrives before the payment it cancels.
        b.EntryCancelled(
            entry_id=reversed_,
            reversal_entry_id=uuid.uuid4(),
            client_id=org.child,
            kind="payment",
            amount_minor=500,
            currency="PLN",
        ),
        *(
            b.PaymentRecorded(
                entry_id=e,
                client_id=org.child,
                amount_minor=amount,
                currency="PLN",
                method="card",
                paid_on=date(2026, 2, day),
            )
            for e, amount, day in ((paid, 8000, 20), (reversed_, 500, 21))
        ),
        b.InvoiceIssued(
            invoice_id=invoice,
            client_id=org.child,
            description="Piano, March",
            amount_minor=20000,
            paid_minor=0,
            currency="PLN",
            due_on=date(2026, 3, 10),
            status="open",
        ),
    )
    api.deliver(
        org,
        b.InvoiceChanged(
            invoice_id=invoice,
            client_id=org.child,
            description="Piano, March",
            amount_minor=20000,
            paid_minor=8000,
            currency="PLN",
            due_on=date(2026, 3, 10),
            status="open",
            period_from=date(2026, 3, 2),
            period_until=date(2026, 4, 1),
        ),
    )
    parent = account(org.tenant, org.parent)
    payments = api.get(f"{P}/payments", parent, client_id=org.child)["items"]
    assert [(x["amount_minor"], x["cancelled"]) for x in payments] == [(500, True), (8000, False)]
    invoices = api.get(f"{P}/invoices", parent, client_id=org.child)["items"]
    assert [(x["invoice_id"], x["paid_minor"]) for x in invoices] == [(str(invoice), 8000)]
    assert (invoices[0]["period_from"], invoices[0]["period_until"]) == ("2026-03-02", "2026-04-01")
    printed = api.get(f"{P}/invoices/{invoice}", parent, client_id=org.child)
    assert (printed["period_from"], printed["period_until"]) == ("2026-03-02", "2026-04-01")
    assert printed["organisation_name"] == "Music school"
    assert printed["client_name"] == "Jan Kowalski"
    assert printed["due_minor"] == 12000
    # The invoice of one child is not found under the other.
    response = api.call(
        "GET", f"{P}/invoices/{invoice}", parent, params={"client_id": str(org.other_child)}
    )
    assert response.status_code == 404


def test_timetable_of_the_clients_groups(api: Api, org: Org) -> None:
    mine = [lesson(org, date(2026, 3, d)) for d in (2, 9)]
    elsewhere = lesson(org, date(2026, 3, 3), group_id=uuid.uuid4())
    moved = lesson(org, date(2026, 3, 16))
    api.deliver(org, *mine, elsewhere, moved)
    api.deliver(
        org,
        j.LessonChanged(
            lesson_id=moved.lesson_id,
            group_id=org.group,
            branch_id=org.branch,
            lesson_date=date(2026, 3, 17),
            starts_at="18:00",
            duration_minutes=45,
            version=2,
        ),
    )
    seen = api.get(f"{P}/timetable", account(org.tenant, org.child), **{"from": "2026-03-01"})
    assert (seen["from_date"], seen["until_date"]) == ("2026-03-01", "2026-03-28")
    assert seen["next_cursor"] is None
    assert [(x["lesson_date"], x["starts_at"]) for x in seen["items"]] == [
        ("2026-03-02", "17:00"),
        ("2026-03-09", "17:00"),
        ("2026-03-17", "18:00"),
    ]
    bad = api.call(
        "GET",
        f"{P}/timetable",
        account(org.tenant, org.child),
        params={"from": "2026-03-10", "until": "2026-03-01"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "until"


def test_family_switcher_follows_the_family_as_clients_says_now(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    me = api.get(f"{P}/me", parent)
    assert me["linked_client_id"] == str(org.parent)
    assert {x["client_id"] for x in me["clients"]} == {
        str(org.parent),
        str(org.child),
        str(org.other_child),
    }
    api.get(f"{P}/overview", parent, client_id=org.other_child)
    # Ola leaves the family: she is gone from the switcher and her data is 404 at once.
    api.deliver(org, c.FamilyChanged(family_id=org.family, member_ids=[org.parent, org.child]))
    assert len(api.get(f"{P}/me", parent)["clients"]) == 2
    gone = api.call("GET", f"{P}/overview", parent, params={"client_id": str(org.other_child)})
    assert gone.status_code == 404


def test_a_client_of_another_family_or_organisation_is_404(api: Api, org: Org) -> None:
    stranger = Org()
    api.deliver(stranger, *stranger.basics())
    parent = account(org.tenant, org.parent)
    for path in ("overview", "attendance", "payments", "invoices", "timetable"):
        for client in (stranger.child, uuid.uuid4()):
            response = api.call("GET", f"{P}/{path}", parent, params={"client_id": str(client)})
            assert response.status_code == 404, path
    # A token naming another organisation's client does not reach it either.
    crossed = account(org.tenant, stranger.child)
    assert api.call("GET", f"{P}/overview", crossed).status_code == 404
    # Staff tokens have no business here.
    staff_like = account(org.tenant, org.parent).__class__(
        tenant_id=org.tenant, subject="x", realm="staff", role="owner", all_branches=True
    )
    assert api.call("GET", f"{P}/overview", staff_like).status_code == 404


def test_a_personal_link_sees_its_one_client_only(api: Api, org: Org) -> None:
    viewer = link(org.tenant, org.parent)
    assert api.get(f"{P}/me", viewer)["read_only"] is True
    assert len(api.get(f"{P}/me", viewer)["clients"]) == 1
    api.get(f"{P}/overview", viewer)
    response = api.call("GET", f"{P}/overview", viewer, params={"client_id": str(org.child)})
    assert response.status_code == 404
    for path in ("attendance", "payments", "invoices", "timetable"):
        assert api.call("GET", f"{P}/{path}", viewer).status_code == 404, path


def test_an_archived_client_is_out_of_the_set(api: Api, org: Org) -> None:
    api.deliver(org, c.ClientArchived(client_id=org.other_child))
    parent = account(org.tenant, org.parent)
    assert len(api.get(f"{P}/me", parent)["clients"]) == 2
    # The archiving arrives before an older card update: it stays archived.
    api.deliver(org, org.card(org.other_child, "Ola"), at=org.clock[0] - timedelta(seconds=5))
    assert len(api.get(f"{P}/me", parent)["clients"]) == 2


def test_the_inbox_notifications_fills_read_unread_and_all_read(api: Api, org: Org) -> None:
    sent = [uuid.uuid4() for _ in range(3)]
    api.deliver(
        org,
        *(
            n.MessageSent(
                message_id=m,
                client_id=org.child if i < 2 else org.other_child,
                trigger="billing.payment_due_soon",
                category="billing",
                channel="email",
                locale="pl",
                subject=f"Payment {i}",
                text="Please pay",
                sent_at=org.clock[0] + timedelta(minutes=i),
            )
            for i, m in enumerate(sent)
        ),
    )
    parent = account(org.tenant, org.parent)
    inbox = api.get(f"{P}/messages", parent, client_id=org.child)
    assert [(x["subject"], x["read"]) for x in inbox["items"]] == [
        ("Payment 1", False),
        ("Payment 0", False),
    ]
    assert api.get(f"{P}/overview", parent, client_id=org.child)["unread_messages"] == 2
    path = f"{P}/messages/{sent[0]}/read"
    assert api.call("POST", path, parent, params={"client_id": str(org.child)}).status_code == 204
    # Ola's message is not Jan's to mark.
    other = f"{P}/messages/{sent[2]}/read"
    assert api.call("POST", other, parent, params={"client_id": str(org.child)}).status_code == 404
    assert api.get(f"{P}/messages", parent, client_id=org.child)["unread"] == 1
    marked = api.ok("POST", f"{P}/messages/read-all", parent, params={"client_id": str(org.child)})
    assert marked == {"marked": 1}
    assert api.get(f"{P}/overview", parent, client_id=org.child)["unread_messages"] == 0
    assert api.get(f"{P}/overview", parent, client_id=org.other_child)["unread_messages"] == 1


def test_a_balance_with_a_higher_sequence_wins_whatever_the_times(api: Api, org: Org) -> None:
    early, late = org.at(), org.at()
    api.deliver(
        org,
        b.BalanceChanged(client_id=org.child, balance_minor=-500, currency="PLN", sequence=2),
        at=early,
    )
    api.deliver(
        org,
        b.BalanceChanged(client_id=org.child, balance_minor=-900, currency="PLN", sequence=1),
        at=late,
    )
    seen = api.get(f"{P}/overview", account(org.tenant, org.child))
    assert seen["balance"]["amount_minor"] == -500


def test_profile_change_requests_and_their_state(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    bad = api.call("POST", f"{P}/profile/requests", parent, json={})
    assert bad.status_code == 422
    for field, value in [("first_name", "Ja\u0000n"), ("birthday", "0001-01-01")]:
        refused = api.call(
            "POST",
            f"{P}/profile/requests",
            parent,
            params={"client_id": str(org.child)},
            json={field: value},
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    sent = api.ok(
        "POST",
        f"{P}/profile/requests",
        parent,
        202,
        params={"client_id": str(org.child)},
        json={"last_name": "Nowak", "birthday": "2015-04-01"},
    )
    assert sent["status"] == "sent"
    bodies = [
        json.loads(r["body"])["data"]
        for r in api.sql(
            "SELECT body FROM outbox WHERE event_type = 'portal.profile_change_requested'"
        )
    ]
    assert {"request_id": sent["request_id"], "client_id": str(org.child),
            "changes": {"first_name": None, "last_name": "Nowak", "phone": None, "email": None,
                        "birthday": "2015-04-01"}} in bodies  # fmt: skip
    request = uuid.UUID(sent["request_id"])
    for status, reason in (("approved", None), ("received", None)):  # the late one is older
        api.deliver(
            org,
            c.ProfileChangeDecided(
                request_id=request, client_id=org.child, status=status, reason=reason
            ),
        )
    profile = api.get(f"{P}/profile", parent, client_id=org.child)
    assert [(r["request_id"], r["status"]) for r in profile["requests"]] == [
        (sent["request_id"], "approved")
    ]
    assert profile["first_name"] == "Jan"
    # A personal link sees no profile (no contact details).
    assert api.call("GET", f"{P}/profile", link(org.tenant, org.child)).status_code == 404
