"""The figures page against a fake gateway: which calls each role makes (a teacher asks
billing nothing; a teacher with finances hidden asks for no pay), the names it fills in
(archived groups and services too), the charts' data, and bad input or a failing service
answered on the page, never with a 500."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from web_svc.sessions import COOKIES, SessionBox
from web_svc.settings import DEV_SESSION_SECRET

from .stand_in import NOT_FOUND, Asked, StandInGateway, running, session_of, web_client

BRANCH = "0190a000-0000-7000-8000-00000000000b"
PIANO = "0190a000-0000-7000-8000-0000000000a1"
OLD_GROUP = "0190a000-0000-7000-8000-0000000000a2"
SERVICE = "0190a000-0000-7000-8000-0000000000c1"
OLD_SERVICE = "0190a000-0000-7000-8000-0000000000c2"
TEACHER = "0190a000-0000-7000-8000-0000000000d1"
ME = "0190a000-0000-7000-8000-0000000000e1"


def monthly(
    month: str, revenue: int, received: int, earlier: list[Any], debt: int = 32000
) -> dict[str, Any]:
    return {
        "month": month,
        "currency": "PLN",
        "revenue_minor": revenue,
        "received_minor": received,
        "debt_change_minor": revenue - received,
        "debt_now_minor": 32000,
        "clients_in_debt": 1,
        "month_end_debt_minor": 32000,
        "month_end_clients_in_debt": 1,
        "by_branch": [
            {
                "id": BRANCH,
                "revenue_minor": revenue,
                "received_minor": received,
                "debt_minor": debt,
                "clients_in_debt": 1,
            }
        ],
        "by_group": [
            {"id": PIANO, "revenue_minor": revenue, "received_minor": 0},
            {"id": OLD_GROUP, "revenue_minor": 0, "received_minor": 0},
        ],
        "by_teacher": [{"id": TEACHER, "revenue_minor": revenue, "received_minor": 0}],
        "by_service": [
            {"id": SERVICE, "revenue_minor": revenue, "received_minor": 0},
            {"id": OLD_SERVICE, "revenue_minor": 1000, "received_minor": 0},
            {"id": None, "revenue_minor": 0, "received_minor": received},
        ],
        "earlier": earlier,
    }


def earlier_months() -> list[dict[str, Any]]:
    return [
        {
            "month": f"2026-{m:02d}-01",
            "revenue_minor": 1000 * m,
            "received_minor": 500 * m,
            "debt_minor": 0,
            "clients_in_debt": 0,
        }
        for m in (11, 10, 9, 8, 7)
    ]


GROUPS = {
    "month": "2026-12",
    "next_cursor": None,
    "items": [
        {
            "group_id": PIANO,
            "name": "Piano",
            "branch_id": BRANCH,
            "programme": None,
            "month": "2026-12",
            "lessons_planned": 4,
            "lessons_held": 2,
            "lessons_cancelled": 0,
            "attendances": 3,
            "average_attendance": 1.5,
            "attendance_rate": 0.75,
            "enrolled": 2,
            "capacity": 8,
            "fill_rate": 0.25,
            "average_age": 9.46,
        }
    ],
}
PAY = {
    "items": [
        {
            "teacher_id": TEACHER,
            "teacher_name": "Tomasz Teacher",
            "lessons": 2,
            "hours": 1.5,
            "attendees": 3,
            "amount_minor": 13000,
            "currency": "PLN",
            "lines": [],
        }
    ],
    "next_cursor": None,
}


def answers() -> dict[str, tuple[int, Any]]:
    def page(*rows: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"items": list(rows), "next_cursor": None}

    return {
        "/api/v1/billing/reports/monthly": (200, None),  # made per month by the handler
        "/api/v1/journal/figures/groups": (200, GROUPS),
        "/api/v1/journal/teachers/pay": (200, PAY),
        "/api/v1/journal/figures/teachers": (200, PAY),
        "/api/v1/identity/branches": page({"id": BRANCH, "name": "Centre"}),
        "/api/v1/identity/staff": page({"id": TEACHER, "name": "Tomasz Teacher"}),
        "/api/v1/billing/catalogue": page({"id": SERVICE, "name": "Piano x 8"}),
        "/api/v1/billing/catalogue?archived": page({"id": OLD_SERVICE, "name": "Old drums"}),
        "/api/v1/journal/groups?archived": page({"id": OLD_GROUP, "name": "Closed choir"}),
    }


class FakeGateway(StandInGateway):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, list[str]]]] = []
        self.answers = answers()
        self.lock = threading.Lock()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.seen]

    def answer(self, asked: Asked) -> tuple[int, Any]:
        query = asked.query
        with self.lock:
            self.seen.append((asked.path, query))
        key = asked.path + ("?archived" if "archived" in query else "")
        status, body = self.answers.get(key, NOT_FOUND)
        if asked.path.endswith("/reports/monthly") and status == 200:
            month = query["month"][0]
            earlier = earlier_months() if query["earlier_months"] == ["5"] else []
            number = int(month[5:7])
            revenue, received, debt = (
                (84000, 47000, 32000) if number == 12 else (10000, 100 * number, 1000 * number)
            )
            scoped = body == "scoped"
            body = monthly(month, revenue, received, earlier, debt)
            if scoped:  # as billing answers a caller who sees some branches only
                body |= {"by_group": [], "by_teacher": [], "by_service": []}
        return status, body


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as server:
        yield server


@pytest.fixture
def client(gateway: FakeGateway) -> Iterator[TestClient]:
    with web_client(gateway) as test_client:
        yield test_client


def signed_in(client: TestClient, role: str, finances_hidden: bool = False) -> None:
    person = {
        "id": ME if role != "teacher" else TEACHER,
        "name": "Me Myself" if role != "teacher" else "Tomasz Teacher",
        "role": role,
        "finances_hidden": finances_hidden,
    }
    org = {"id": "o", "name": "School", "currency": "PLN", "time_zone": "UTC", "locale": "en"}
    session = session_of("staff", person, org)
    name, path = COOKIES["staff"]
    client.cookies.set(name, SessionBox(DEV_SESSION_SECRET).seal(session), path=path)


def charts(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return {chart["id"]: chart for chart in data["charts"]}


def test_the_owner_sees_the_months_money_by_every_breakdown(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "owner")
    page = client.get("/app/figures?month=2026-12")
    assert page.status_code == 200
    html = page.text
    assert '<dd id="fig-revenue" class="big">PLN840.00</dd>' in html
    assert '<dd id="fig-received" class="big">PLN470.00</dd>' in html
    # this month and five earlier ones: one report against the earlier months, and each
    # earlier month's own for its breakdowns, asked at once
    months = sorted(q["month"][0] for p, q in gateway.seen if p.endswith("/reports/monthly"))
    assert months == [f"2026-{m:02d}-01" for m in (7, 8, 9, 10, 11, 12)]
    for name in ("Centre", "Piano", "Closed choir", "Tomasz Teacher", "Piano x 8", "Old drums"):
        assert f'<th scope="row">{name}</th>' in html or f">{name}</a></th>" in html, name
    assert "Not attributed" in html  # a payment belongs to no service
    drawn = charts(html)
    assert set(drawn) == {
        "chart-months",
        "chart-branch",
        "chart-group",
        "chart-teacher",
        "chart-service",
        "chart-groups",
        "chart-pay",
    }
    months_chart = drawn["chart-months"]
    assert months_chart["labels"][-1] == "Dec 2026"
    assert months_chart["datasets"][0]["data"] == [70.0, 80.0, 90.0, 100.0, 110.0, 840.0]
    assert drawn["chart-groups"]["datasets"][0]["data"] == [0.25]
    assert drawn["chart-pay"]["datasets"][0]["data"] == [130.0]
    assert "25%" in html  # the fill rate
    assert "PLN130.00" in html  # the pay
    assert "/static/vendor/chart-4.6.2.umd.min.js" in html
    assert "\u27e6" not in html


def test_a_teacher_asks_billing_nothing_and_sees_their_pay(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "teacher")
    page = client.get("/app/figures?month=2026-12")
    assert page.status_code == 200
    assert not [p for p in gateway.paths() if "/billing/" in p or p.endswith("/staff")]
    assert "/api/v1/journal/teachers/pay" in gateway.paths()
    assert 'id="fig-revenue"' not in page.text
    assert "PLN130.00" in page.text
    assert set(charts(page.text)) == {"chart-groups", "chart-pay"}


def test_a_teacher_with_finances_hidden_sees_lessons_without_pay(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "teacher", finances_hidden=True)
    page = client.get("/app/figures?month=2026-12")
    assert page.status_code == 200
    assert "/api/v1/journal/teachers/pay" not in gateway.paths()
    assert "/api/v1/journal/figures/teachers" in gateway.paths()
    assert "Lessons for a period" in page.text
    assert "PLN130.00" not in page.text


def test_the_pay_period_goes_to_the_journal_as_asked(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "accountant")
    page = client.get("/app/figures?month=2026-12&pay_from=2026-11-03&pay_until=2026-12-02")
    assert page.status_code == 200
    asked = [q for p, q in gateway.seen if p.endswith("/teachers/pay")]
    assert asked == [{"from_date": ["2026-11-03"], "until_date": ["2026-12-02"]}]
    assert "/api/v1/identity/staff" not in gateway.paths()  # not for an accountant
    assert '<th scope="row">Tomasz Teacher</th>' in page.text  # named by the journal


def test_a_teacher_nobody_named_yet_is_shown_by_their_id(
    client: TestClient, gateway: FakeGateway
) -> None:
    unnamed = {"items": [PAY["items"][0] | {"teacher_name": None}], "next_cursor": None}
    gateway.answers["/api/v1/journal/teachers/pay"] = (200, unnamed)
    signed_in(client, "accountant")
    page = client.get("/app/figures?month=2026-12")
    assert '<th scope="row">Unnamed 0190a000</th>' in page.text


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=soon",
        "pay_from=yesterday",
        "pay_from=2026-12-10&pay_until=2026-12-01",
    ],
)
def test_bad_input_is_told_on_the_page(
    client: TestClient, gateway: FakeGateway, query: str
) -> None:
    signed_in(client, "owner")
    page = client.get(f"/app/figures?{query}")
    assert page.status_code == 400
    assert page.text.count('role="alert"') == 1
    assert 'id="fig-revenue"' in page.text  # the figures of the default are still shown


def test_a_service_not_answering_leaves_the_rest_of_the_page(
    client: TestClient, gateway: FakeGateway
) -> None:
    gateway.answers["/api/v1/billing/reports/monthly"] = (503, {"title": "Unavailable"})
    signed_in(client, "owner")
    page = client.get("/app/figures?month=2026-12")
    assert page.status_code == 200
    assert "A part of the system is not answering." in page.text
    assert 'id="fig-revenue"' not in page.text
    assert "Piano" in page.text  # the groups, from the journal


def test_a_branch_scoped_admin_is_told_why_there_is_no_group_breakdown(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "admin")
    whole = client.get("/app/figures?month=2026-12").text
    assert "Shown to those who see the whole organisation." not in whole
    gateway.answers["/api/v1/billing/reports/monthly"] = (200, "scoped")
    scoped = client.get("/app/figures?month=2026-12").text
    assert scoped.count("Shown to those who see the whole organisation.") == 3
    assert '<th scope="row">Centre</th>' in scoped


def cells(html: str, table: str, name: str) -> list[str]:
    found = re.search(rf'<table[^>]* id="table-{table}">.*?</table>', html, re.S)
    assert found, table
    row = re.search(rf'<tr><th scope="row">{name}</th>(.*?)</tr>', found.group(0), re.S)
    assert row, name
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def pln(amounts: str) -> list[str]:
    """Amounts as the page shows them: "840 +740" is PLN840.00 and +PLN740.00."""
    return [f"{'+' if a[0] == '+' else ''}PLN{abs(int(a)):.2f}" for a in amounts.split()]


def test_each_breakdown_compares_revenue_received_and_debts_with_the_month_before(
    client: TestClient, gateway: FakeGateway
) -> None:
    signed_in(client, "owner")
    html = client.get("/app/figures?month=2026-12").text
    # this month, last month, the change: revenue, money received, debts (by branch only)
    assert cells(html, "branch", "Centre") == pln("840 100 +740 470 11 +459 320 110 +210")
    assert cells(html, "group", "Piano") == pln("840 100 +740 0 0 0")
    assert cells(html, "service", "Not attributed")[3:] == pln("470 11 +459")
    # every month shown, revenue unless asked otherwise; the links keep the month
    assert cells(html, "branch-months", "Centre") == pln("100 100 100 100 100 840")
    assert 'href="?month=2026-12&amp;branch_measure=received#branch-title"' in html
    assert "group_measure=debt" not in html  # billing has no debt by group

    asked = "/app/figures?month=2026-12&branch_measure=debt&service_measure=received"
    html = client.get(asked).text
    assert cells(html, "branch-months", "Centre") == pln("70 80 90 100 110 320")
    assert cells(html, "service-months", "Not attributed") == pln("7 8 9 10 11 470")
    assert cells(html, "group-months", "Piano")[-1] == "PLN840.00"  # still revenue
    drawn = charts(html)
    assert [d["data"] for d in drawn["chart-branch"]["datasets"]] == [[110.0], [320.0]]
    assert drawn["chart-branch"]["datasets"][1]["tone"] == "debt"
    assert drawn["chart-service"]["labels"][0] == "Not attributed"  # the most received first
    # a measure billing does not give for the dimension is revenue
    html = client.get("/app/figures?month=2026-12&group_measure=debt").text
    assert cells(html, "group-months", "Piano")[-1] == "PLN840.00"
