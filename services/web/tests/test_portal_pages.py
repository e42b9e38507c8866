"""The portal's pages over a stand-in for the gateway's API (canned answers, every call
recorded): each page renders in every language with nothing untranslated, attendance shows
each status by colour and letter, the family switcher follows every link, and the forms send
the portal API exactly the change asked for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .stand_in import NOT_FOUND, Asked, StandInGateway, running, session_of, web_client

ANNA, OLA, JAN = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
MARK, LESSON, MESSAGE, INVOICE = (f"10000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3, 4))
DEVICE = "30000000-0000-4000-8000-000000000001"
VAPID_KEY = "BPublicKeyOfTheServer"
AS_OF = {"clients": "2026-12-01T10:00:00Z", "billing": None, "journal": None}


def canned(path: str, client: str) -> Any:
    card = {ANNA: ("Anna", "Nowak"), OLA: ("Ola", "Nowak"), JAN: ("Jan", "Nowak")}[client]
    answers: dict[str, Any] = {
        "/portal/v1/me": {
            "linked_client_id": ANNA,
            "read_only": False,
            "clients": [
                {"client_id": c, "first_name": f, "last_name": "Nowak"}
                for c, f in ((ANNA, "Anna"), (OLA, "Ola"), (JAN, "Jan"))
            ],
        },
        "/portal/v1/overview": {
            "client": {"client_id": client, "first_name": card[0], "last_name": card[1]},
            "as_of": AS_OF,
            "balance": {"amount_minor": -25_000 if client == OLA else 0, "currency": "PLN"},
            "packs": [],
            "next_lessons": [],
            "open_invoices": [
                {
                    "invoice_id": INVOICE,
                    "description": "Piano x 8",
                    "amount_minor": 40_000,
                    "paid_minor": 15_000,
                    "currency": "PLN",
                    "due_on": "2026-12-10",
                    "period_from": "2026-12-07",
                    "period_until": None,
                }
            ],
            "unread_messages": 2,
            "makeup_credits": [],
        },
        "/portal/v1/attendance": {
            "as_of": AS_OF,
            "client_id": client,
            "comments": [],
            "marks": [
                {
                    "mark_id": MARK,
                    "lesson_id": LESSON,
                    "group_id": LESSON,
                    "group_name": "Piano 1",
                    "lesson_date": f"2026-11-{day:02d}",
                    "status": status,
                    "makeup_until": "2026-12-20" if status == "excused" else None,
                    "comments": [],
                }
                for day, status in (
                    (3, "attended"),
                    (10, "absent"),
                    (17, "excused"),
                    (24, "attended"),
                )
            ],
        },
        "/portal/v1/payments": {
            "as_of": AS_OF,
            "client_id": client,
            "items": [
                {
                    "entry_id": MARK,
                    "amount_minor": 15_000,
                    "currency": "PLN",
                    "method": "card",
                    "paid_on": "2026-11-05",
                    "comment": None,
                    "cancelled": False,
                }
            ],
        },
        "/portal/v1/invoices": {
            "as_of": AS_OF,
            "client_id": client,
            "items": [
                {
                    "invoice_id": INVOICE,
                    "pack_id": LESSON,
                    "description": "Piano x 8",
                    "period_from": "2026-12-07",
                    "period_until": "2027-01-06",
                    "amount_minor": 40_000,
                    "paid_minor": 15_000,
                    "currency": "PLN",
                    "due_on": "2026-12-10",
                    "status": "open",
                    "issued_at": "2026-11-01T10:00:00Z",
                },
                {  # written by hand: no period
                    "invoice_id": MESSAGE,
                    "pack_id": None,
                    "description": "Concert trip",
                    "amount_minor": 5_000,
                    "paid_minor": 5_000,
                    "currency": "PLN",
                    "due_on": "2026-10-10",
                    "status": "paid",
                    "issued_at": "2026-10-01T10:00:00Z",
                },
            ],
        },
        f"/portal/v1/invoices/{INVOICE}": {
            "invoice_id": INVOICE,
            "pack_id": LESSON,
            "description": "Piano x 8",
            "period_from": "2026-12-07",
            "period_until": "2027-01-06",
            "amount_minor": 40_000,
            "paid_minor": 15_000,
            "currency": "PLN",
            "due_on": "2026-12-10",
            "status": "open",
            "issued_at": "2026-11-01T10:00:00Z",
            "as_of": AS_OF,
            "organisation_name": "Music school",
            "client_id": client,
            "client_name": "Ola Nowak",
            "due_minor": 25_000,
        },
        "/portal/v1/messages": {
            "as_of": AS_OF,
            "client_id": client,
            "unread": 1,
            "items": [
                {
                    "message_id": MESSAGE,
                    "category": "news",
                    "channel": "email",
                    "subject": "Concert",
                    "text": "On Friday at 18:00.",
                    "sent_at": "2026-11-20T10:00:00Z",
                    "read": False,
                }
            ],
        },
        "/portal/v1/knowledge": {
            "client_id": client,
            "next_cursor": None,
            "items": [
                {
                    "id": MARK,
                    "branch_id": None,
                    "title": "Scales to practise",
                    "body": "Ten minutes a day.",
                    "links": ["https://example.com/scales"],
                    "updated_at": "2026-11-01T10:00:00Z",
                    "files": [],
                }
            ],
        },
        "/portal/v1/makeups": {
            "as_of": AS_OF,
            "client_id": client,
            "credits": [
                {
                    "mark_id": MARK,
                    "group_id": LESSON,
                    "group_name": "Piano 1",
                    "missed_on": "2026-11-17",
                    "usable_until": "2026-12-20",
                }
            ],
            "requests": [],
        },
        f"/portal/v1/makeups/{MARK}/seats": {
            "as_of": AS_OF,
            "next_cursor": None,
            "items": [
                {
                    "lesson_id": LESSON,
                    "group_id": LESSON,
                    "group_name": "Piano 2",
                    "branch_id": LESSON,
                    "lesson_date": "2026-12-04",
                    "starts_at": "16:00",
                    "duration_minutes": 45,
                    "free_seats": 2,
                }
            ],
        },
        "/portal/v1/profile": {
            "as_of": AS_OF,
            "client_id": client,
            "first_name": card[0],
            "last_name": card[1],
            "phone": "+48612000002",
            "email": None,
            "email_confirmed": False,
            "requests": [],
        },
        "/portal/v1/preferences": {
            "items": [{"category": "news", "channel": "sms", "source": "client"}]
        },
        "/portal/v1/devices": {
            "items": [
                {
                    "id": DEVICE,
                    "client_id": client,
                    "kind": "webpush",
                    "platform": "web",
                    "created_at": "2026-12-05T10:00:00Z",
                }
            ],
            "vapid_public_key": None if client == JAN else VAPID_KEY,
        },
    }
    return answers.get(path)


class FakeGateway(StandInGateway):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, dict[str, list[str]], Any, dict[str, str]]] = []

    def answer(self, asked: Asked) -> tuple[int, Any]:
        data = asked.json()
        self.seen.append((asked.method, asked.path, asked.query, data, asked.headers))
        client = (asked.query.get("client_id") or [ANNA])[0]
        found = None
        if client in (ANNA, OLA, JAN):
            found = canned(asked.path, client) if asked.method == "GET" else {}
        if asked.method == "DELETE" and asked.path != f"/portal/v1/devices/{DEVICE}":
            found = None  # another family's device
        if asked.path == "/portal/v1/profile/requests":  # a new email or phone waits for a code
            found = {"unconfirmed": [data[k] for k in ("email", "phone") if k in data]}
        return (200, found) if found is not None else NOT_FOUND


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as server:
        yield server


@pytest.fixture
def client(gateway: FakeGateway) -> Iterator[TestClient]:
    with web_client(gateway, session_of("portal", {}, {"id": ANNA})) as test_client:
        yield test_client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


PAGES = [
    "/my",
    "/my/attendance?month=2026-11",
    "/my/payments",
    f"/my/invoices/{INVOICE}",
    "/my/messages",
    "/my/knowledge",
    "/my/makeups",
    f"/my/makeups/{MARK}/seats",
    "/my/profile",
    "/my/preferences",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "ru", "pl", "uk"])
def test_every_page_answers_in_every_language(client: TestClient, page: str, lang: str) -> None:
    sep = "&" if "?" in page else "?"
    response = client.get(f"{page}{sep}client={OLA}", headers={"accept-language": lang})
    assert response.status_code == 200, response.text
    assert f'<html lang="{lang}">' in response.text
    assert "\u27e6" not in response.text, re.findall("\u27e6[^\u27e7]*\u27e7", response.text)


@pytest.mark.parametrize(
    ("lang", "period"),
    [
        ("pl", "Piano x 8: 7 gru 2026 \u2013 6 sty 2027"),
        ("ru", "Piano x 8: 7 дек. 2026\u202fг. \u2013 6 янв. 2027\u202fг."),  # noqa: RUF001
        ("en", "Piano x 8: Dec 7, 2026 \u2013 Jan 6, 2027"),
    ],
)
def test_an_invoice_is_named_by_its_pack_and_its_period_in_the_pages_language(
    client: TestClient, lang: str, period: str
) -> None:
    headers = {"accept-language": lang}
    payments = client.get(f"/my/payments?client={OLA}", headers=headers).text
    assert payments.count(f">{period}</a>") == 2  # to pay, and the list of invoices
    assert ">Concert trip</a>" in payments  # no period: its description alone
    printed = client.get(f"/my/invoices/{INVOICE}?client={OLA}", headers=headers).text
    assert f"{period}</h1>" in printed
    overview = client.get(f"/my?client={OLA}", headers=headers).text
    assert period.split(" \u2013 ")[0] + " \u2013:" in overview  # open-ended: from its start
    for page in (payments, printed, overview):
        assert "2026-12-07" not in page
        assert lang == "en" or " to " not in page  # the English page has "Skip to content"


def test_attendance_shows_each_status_by_colour_and_letter(client: TestClient) -> None:
    page = client.get(f"/my/attendance?client={OLA}&month=2026-11").text
    marks = re.findall(r'<span class="mark s-(\w+)" aria-hidden="true">(\w)</span>', page)
    assert marks[:3] == [("attended", "A"), ("absent", "N"), ("excused", "E")]  # the counts
    assert "Attended: <strong>2</strong>" in page
    assert page.count('class="visit"') == 4
    assert "make-up until Dec 20, 2026" in page
    russian = client.get(
        f"/my/attendance?client={OLA}&month=2026-11", headers={"accept-language": "ru"}
    ).text
    assert '<span class="mark s-attended" aria-hidden="true">Б</span> Был' in russian
    # months either side: October is before the first mark, so only the next month is linked
    assert 'rel="prev"' not in page
    assert f'href="/my/attendance?client={OLA}&amp;month=2026-12"' in page


def test_the_switchers_choice_follows_every_section_link(client: TestClient) -> None:
    page = client.get(f"/my/payments?client={JAN}").text
    menu = page.split('aria-label="Sections"')[1].split("</nav>")[0]
    sections = re.findall(r'<a href="(/my[^"]*)"', menu)
    assert len(sections) == 8
    assert all(link.endswith(f"client={JAN}") for link in sections)
    family = page.split('aria-label="Family"')[1].split("</nav>")[0]
    assert f'client={JAN}" aria-current="page">Jan' in family


def test_a_client_outside_the_family_is_not_found(client: TestClient) -> None:
    stranger = "20000000-0000-4000-8000-000000000009"
    assert client.get(f"/my/attendance?client={stranger}").status_code == 404


def test_reading_a_message_asks_the_api_for_that_message(
    client: TestClient, gateway: FakeGateway
) -> None:
    page = client.get(f"/my/messages?client={OLA}").text
    assert "1 unread message" in page
    done = client.post(
        f"/my/messages/{MESSAGE}/read?client={OLA}", data={"csrf_token": _csrf(page)}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/my/messages?client={OLA}#m-{MESSAGE}"
    posted = [s for s in gateway.seen if s[0] == "POST"]
    assert [(p[1], p[2]) for p in posted] == [
        (f"/portal/v1/messages/{MESSAGE}/read", {"client_id": [OLA]})
    ]


def test_booking_a_seat_sends_the_forms_idempotency_key(
    client: TestClient, gateway: FakeGateway
) -> None:
    page = client.get(f"/my/makeups/{MARK}/seats?client={OLA}").text
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key is not None
    form = {"csrf_token": _csrf(page), "mark_id": MARK, "lesson_id": LESSON, "key": key.group(1)}
    for _ in range(2):  # a second press is the same booking
        assert client.post(f"/my/makeups?client={OLA}", data=form).status_code == 303
    posted = [s for s in gateway.seen if s[0] == "POST"]
    assert [(p[1], p[3], p[4]["idempotency-key"]) for p in posted] == [
        ("/portal/v1/makeups", {"mark_id": MARK, "lesson_id": LESSON}, key.group(1))
    ] * 2


def test_a_profile_change_sends_only_what_differs(client: TestClient, gateway: FakeGateway) -> None:
    page = client.get(f"/my/profile?client={OLA}").text
    form = {
        "csrf_token": _csrf(page),
        "first_name": "Ola",
        "last_name": "Kowalska",
        "phone": "+48612000002",
        "email": "",
        "birthday": "",
    }
    sent = client.post(f"/my/profile?client={OLA}", data=form)
    assert sent.status_code == 303
    posted = [s for s in gateway.seen if s[0] == "POST"]
    assert [(p[1], p[2], p[3]) for p in posted] == [
        ("/portal/v1/profile/requests", {"client_id": [OLA]}, {"last_name": "Kowalska"})
    ]
    unchanged = client.post(f"/my/profile?client={OLA}", data=form | {"last_name": "Nowak"})
    assert unchanged.status_code == 400
    assert "Change at least one detail" in unchanged.text


def test_a_new_email_gets_a_code_and_the_code_proves_it(
    client: TestClient, gateway: FakeGateway
) -> None:
    page = client.get(f"/my/profile?client={OLA}").text
    form = {"csrf_token": _csrf(page), "email": "ola@mail.example.com"}
    sent = client.post(f"/my/profile?client={OLA}", data=form, follow_redirects=False)
    assert sent.status_code == 303
    assert "notice=codes" in sent.headers["location"]
    posted = [(s[1], s[3]) for s in gateway.seen if s[0] == "POST"]
    assert posted == [
        ("/portal/v1/profile/requests", {"email": "ola@mail.example.com"}),
        ("/portal/v1/contacts/codes", {"login": "ola@mail.example.com"}),
    ]
    proof = {"csrf_token": form["csrf_token"], "login": "ola@mail.example.com", "code": " 123456 "}
    confirmed = client.post(f"/my/profile/confirm?client={OLA}", data=proof, follow_redirects=False)
    assert confirmed.status_code == 303
    assert "notice=confirmed" in confirmed.headers["location"]
    assert (gateway.seen[-1][1], gateway.seen[-1][3]) == (
        "/portal/v1/contacts/proofs",
        {"login": "ola@mail.example.com", "code": "123456"},
    )
    forged = client.post(f"/my/profile/confirm?client={OLA}", data=proof | {"csrf_token": "x"})
    assert forged.status_code == 403


def test_preferences_send_only_the_boxes_that_changed(
    client: TestClient, gateway: FakeGateway
) -> None:
    page = client.get(f"/my/preferences?client={JAN}").text
    assert 'name="news.sms">' in page  # opted out: not ticked
    assert 'name="reminders.email" checked>' in page
    ticked = {
        f"{c}.{ch}": "on"
        for c in ("reminders", "news")
        for ch in ("email", "telegram", "push", "sms")
    }
    ticked.pop("reminders.email")  # reminders by email off
    saved = client.post(f"/my/preferences?client={JAN}", data=ticked | {"csrf_token": _csrf(page)})
    assert saved.status_code == 303
    puts = [s[3] for s in gateway.seen if s[0] == "PUT"]
    assert puts == [
        {"client_id": JAN, "category": "reminders", "channel": "email", "opted_out": True},
        {"client_id": JAN, "category": "news", "channel": "sms", "opted_out": False},
    ]
