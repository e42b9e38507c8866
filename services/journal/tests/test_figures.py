"""Figures per group and per teacher, and attendance-weighted pay with effective-dated rates."""

from __future__ import annotations

import uuid
from datetime import date

from journal_svc.figures.schemas import OrganisationMonth

from crm_contracts.events.clients import ClientRegistered

from .conftest import Api, J, Org


def test_group_figures_month_by_month(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 18))
    group = api.group(org, capacity=4)
    kids = [uuid.uuid4() for _ in range(3)]
    for kid, born in zip(kids, ("2018-01-10", "2020-06-01", None), strict=True):
        card = ClientRegistered(client_id=kid, first_name="K", last_name="K", birthday=born)
        api.deliver(card, org.tenant)
        api.enrol(org, group, kid, "2026-02-01")
    february = [api.lesson(org, group, f"2026-02-{d:02d}") for d in (9, 16)]
    march = [api.lesson(org, group, f"2026-03-{d:02d}") for d in (2, 9, 16, 23)]
    cancelled = api.lesson(org, group, "2026-03-04", "15:00")
    api.ok("POST", f"{J}/lessons/{cancelled['id']}/cancel", org.owner, json={})
    for kid in kids:
        api.mark(org.owner, february[0], kid, "attended")
    api.mark(org.owner, march[0], kids[0], "attended")
    api.mark(org.owner, march[0], kids[1], "absent")
    api.mark(org.owner, march[1], kids[0], "attended")
    api.mark(org.owner, march[1], kids[1], "attended")
    api.mark(org.owner, march[1], kids[2], "excused")
    figures = api.ok(
        "GET", f"{J}/groups/{group['id']}/figures?from_month=2026-02&until_month=2026-04", org.owner
    )
    feb, mar, apr = figures["months"]
    assert feb == {
        "month": "2026-02",
        "lessons_planned": 2,
        "lessons_held": 2,
        "lessons_cancelled": 0,
        "attendances": 3,
        "average_attendance": 1.5,
        "attendance_rate": 1.0,
        "enrolled": 3,
        "capacity": 4,
        "fill_rate": 0.75,
        "average_age": 6.9,  # 8.1 and 5.7 years on Feb 28
    }
    # March so far (the 18th): three lessons held of four planned, one cancelled.
    assert (mar["lessons_planned"], mar["lessons_held"], mar["lessons_cancelled"]) == (4, 3, 1)
    assert (mar["attendances"], mar["attendance_rate"]) == (3, 0.6)
    assert (apr["lessons_held"], apr["enrolled"]) == (0, 3)
    assert figures["lessons_held"] == 5
    assert figures["average_fill_rate"] == 0.75

    whole = api.ok("GET", f"{J}/figures/groups?month=2026-03", org.owner)
    # Written straight to JSON: it must still be exactly the documented shape.
    assert OrganisationMonth.model_validate(whole).model_dump(mode="json") == whole
    assert whole["next_cursor"] is None
    mine = [g for g in whole["items"] if g["group_id"] == group["id"]]
    assert mine[0] | {} == mar | {
        "group_id": group["id"],
        "name": group["name"],
        "branch_id": str(org.branch),
        "programme": None,
    }
    teacher_view = api.ok("GET", f"{J}/figures/groups?month=2026-03", org.teacher())
    assert teacher_view == {"month": "2026-03", "items": [], "next_cursor": None}
    bad = api.call("GET", f"{J}/figures/groups?month=2026-13", org.owner)
    assert bad.status_code == 422


def test_pay_weights_attendance_and_a_new_rate_never_rewrites_past_pay(api: Api, org: Org) -> None:
    teacher_id = uuid.uuid4()
    group = api.group(org, teacher_ids=[str(teacher_id)])
    kids = [api.enrol(org, group)["client_id"] for _ in range(4)]
    api.today(date(2026, 3, 1))
    rates = f"{J}/teachers/{teacher_id}/rates"
    api.ok(
        "POST",
        rates,
        org.owner,
        201,
        json={"effective_from": "2026-03-01", "per_lesson_minor": 5000, "per_attendee_minor": 1000},
    )
    early = api.lesson(org, group, "2026-03-02", minutes := "10:00")
    api.today(date(2026, 3, 2))  # noon: the lesson has started
    for kid in kids[:3]:
        api.mark(org.owner, early, kid, "attended")
    api.mark(org.owner, early, kids[3], "absent")
    api.today(date(2026, 3, 10))
    refused = api.call(
        "POST",
        rates,
        org.owner,
        json={"effective_from": "2026-03-01", "per_lesson_minor": 1, "per_attendee_minor": 1},
    )
    assert refused.status_code == 409
    assert "past" in refused.json()["detail"]
    assert (
        api.call(
            "POST",
            rates,
            org.admin(),
            json={"effective_from": "2026-03-20", "per_lesson_minor": 1, "per_attendee_minor": 1},
        ).status_code
        == 403
    )
    api.ok(
        "POST",
        rates,
        org.owner,
        201,
        json={"effective_from": "2026-03-10", "per_lesson_minor": 6000, "per_attendee_minor": 0},
    )
    late = api.lesson(org, group, "2026-03-12", minutes)
    api.today(date(2026, 3, 14))
    api.mark(org.owner, late, kids[0], "attended")
    substitute = api.teacher_of(org, name="Sam Substitute")
    sub_lesson = api.lesson(org, group, "2026-03-13", minutes, teacher_id=str(substitute))
    api.mark(org.owner, sub_lesson, kids[0], "attended")
    api.today(date(2026, 3, 31))
    pay = api.ok(
        "GET",
        f"{J}/teachers/pay?from_date=2026-03-01&until_date=2026-03-31&lines=true",
        org.owner,
    )["items"]
    mine = next(p for p in pay if p["teacher_id"] == str(teacher_id))
    assert (mine["lessons"], mine["hours"], mine["attendees"], mine["amount_minor"]) == (
        2,
        2.0,
        4,
        5000 + 3 * 1000 + 6000,
    )
    assert [(x["lesson_date"], x["amount_minor"], x["rate_from"]) for x in mine["lines"]] == [
        ("2026-03-02", 8000, "2026-03-01"),
        ("2026-03-12", 6000, "2026-03-10"),
    ]
    theirs = next(p for p in pay if p["teacher_id"] == str(substitute))
    assert (theirs["lessons"], theirs["amount_minor"]) == (1, 0)  # no rate: nothing owed yet
    # named as identity last told; a teacher identity has not yet told of has no name
    assert (theirs["teacher_name"], mine["teacher_name"]) == ("Sam Substitute", None)
    listed = api.ok("GET", rates, org.owner)["items"]
    assert [r["effective_from"] for r in listed] == ["2026-03-01", "2026-03-10"]

    own = api.ok(
        "GET",
        f"{J}/teachers/pay?from_date=2026-03-01&until_date=2026-03-31",
        org.teacher(group["id"], user=teacher_id),
    )["items"]
    assert [p["teacher_id"] for p in own] == [str(teacher_id)]
    nosy = api.call(
        "GET",
        f"{J}/teachers/pay?from_date=2026-03-01&until_date=2026-03-31&teacher_id={substitute}",
        org.teacher(group["id"], user=teacher_id),
    )
    assert nosy.status_code == 403
    figures = api.ok(
        "GET", f"{J}/figures/teachers?from_date=2026-03-01&until_date=2026-03-31", org.owner
    )["items"]
    assert {
        (f["teacher_id"], f["teacher_name"], f["lessons"], f["attendees"]) for f in figures
    } >= {
        (str(teacher_id), None, 2, 4),
        (str(substitute), "Sam Substitute", 1, 1),
    }
