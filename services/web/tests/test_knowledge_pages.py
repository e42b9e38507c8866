"""The staff's knowledge-centre pages against a fake gateway: what each form sends to the
portal's API (the file as its own bytes, type and name; an edit with its version), a refusal
told on the form with what was typed kept, and the pages and menu entry only for the roles
the API lets publish."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .stand_in import Asked, StandInGateway, running, session_of, web_client

BRANCH = "0190a000-0000-7000-8000-00000000000b"
MATERIAL = "0190a000-0000-7000-8000-0000000000f1"


def material(**changed: Any) -> dict[str, Any]:
    return {
        "id": MATERIAL,
        "branch_id": BRANCH,
        "title": "Scales",
        "body": "Slowly.",
        "links": ["https://example.com/scales"],
        "version": 3,
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
        "files": [
            {"id": "f1", "name": "scales.pdf", "content_type": "application/pdf", "size": 2048}
        ],
    } | changed


class FakeGateway(StandInGateway):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, Any]] = []
        self.refuse: dict[str, tuple[int, Any]] = {}

    def answer(self, asked: Asked) -> tuple[int, Any]:
        self.seen.append(
            {
                "method": asked.method,
                "path": asked.path,
                "query": asked.query,
                "type": asked.headers.get("content-type"),
                "if_match": asked.headers.get("if-match"),
                "body": asked.body,
            }
        )
        refused = self.refuse.get(f"{asked.method} {asked.path}")
        if refused is not None:
            return refused
        if asked.path.endswith("/branches"):
            return 200, {"items": [{"id": BRANCH, "name": "Centre"}], "next_cursor": None}
        if asked.path.endswith("/files"):
            return 201, {"id": "f2", "name": "x", "content_type": "x", "size": 1}
        if asked.method == "GET":
            return 200, {"items": [material()], "next_cursor": None}
        if asked.method == "DELETE":
            return 204, None
        return (201 if asked.method == "POST" else 200), material()


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as server:
        yield server


def signed_in(gateway: FakeGateway, role: str) -> AbstractContextManager[TestClient]:
    person = {"id": "me", "name": "Me", "role": role}
    org = {"id": "o", "name": "School", "currency": "PLN", "time_zone": "UTC", "locale": "en"}
    return web_client(gateway, session_of("staff", person, org), mark_untranslated=False)


def csrf(client: TestClient) -> dict[str, str]:
    """The token of a page the client was shown (its cookie stays in the client)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/app/knowledge").text)
    assert found
    return {"X-CSRF-Token": found.group(1)}


@pytest.fixture
def admin(gateway: FakeGateway) -> Iterator[TestClient]:
    with signed_in(gateway, "admin") as client:
        yield client


def sent(gateway: FakeGateway, method: str) -> list[dict[str, Any]]:
    return [s for s in gateway.seen if s["method"] == method]


def test_a_material_is_published_for_a_branch_with_its_file_as_sent(
    admin: TestClient, gateway: FakeGateway
) -> None:
    page = admin.get("/app/knowledge")
    assert page.status_code == 200
    assert 'href="/app/knowledge"' in page.text  # the menu entry
    assert "scales.pdf" in page.text
    assert "Centre" in page.text
    assert '<option value="">' not in page.text  # the whole organisation is the owner's
    pdf = b"%PDF-1.4 scales\x00\xff"
    answer = admin.post(
        "/app/knowledge",
        data={
            "title": "Scales",
            "body": "Slowly.",
            "links": "https://a.example\n\n",
            "branch_id": BRANCH,
        },
        files={"file": ("scales.pdf", pdf, "application/pdf")},
        headers=csrf(admin),
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/knowledge?done=added"
    made, upload = sent(gateway, "POST")
    assert made["path"] == "/api/v1/portal/materials"
    assert json.loads(made["body"]) == {
        "title": "Scales",
        "body": "Slowly.",
        "links": ["https://a.example"],
        "branch_id": BRANCH,
    }
    assert upload["path"] == f"/api/v1/portal/materials/{MATERIAL}/files"
    assert upload["query"] == {"name": ["scales.pdf"]}
    assert upload["type"] == "application/pdf"
    assert upload["body"] == pdf


def test_an_edit_sends_its_version_and_a_refusal_keeps_what_was_typed(
    admin: TestClient, gateway: FakeGateway
) -> None:
    form = {"title": "Scales 2", "body": "Fast.", "links": "", "version": "3"}
    answer = admin.post(f"/app/knowledge/{MATERIAL}", data=form, headers=csrf(admin))
    assert answer.status_code == 303
    (patch,) = sent(gateway, "PATCH")
    assert patch["if_match"] == '"3"'
    assert json.loads(patch["body"]) == {"title": "Scales 2", "body": "Fast.", "links": []}
    assert not sent(gateway, "POST")  # no file chosen: none sent

    problem = {"title": "Unprocessable", "errors": [{"field": "links.0", "message": "bad"}]}
    gateway.refuse[f"PATCH /api/v1/portal/materials/{MATERIAL}"] = (422, problem)
    refused = admin.post(
        f"/app/knowledge/{MATERIAL}", data=form | {"links": "not a link"}, headers=csrf(admin)
    )
    assert refused.status_code == 400
    assert "Please check the form. Links: bad." in refused.text
    assert ">not a link</textarea>" in refused.text
    gateway.refuse[f"PATCH /api/v1/portal/materials/{MATERIAL}"] = (412, {"title": "Changed"})
    stale = admin.post(f"/app/knowledge/{MATERIAL}", data=form, headers=csrf(admin))
    assert stale.status_code == 409
    assert "Someone else changed this material meanwhile." in stale.text
    assert 'name="version" value="3"' in stale.text
    assert ">Slowly.</textarea>" in stale.text


def test_a_material_is_deleted_only_after_the_confirmation(
    admin: TestClient, gateway: FakeGateway
) -> None:
    confirm = admin.get(f"/app/knowledge/{MATERIAL}/delete")
    assert confirm.status_code == 200
    assert "Delete the material?" in confirm.text
    assert not sent(gateway, "DELETE")
    done = admin.post(f"/app/knowledge/{MATERIAL}/delete", headers=csrf(admin))
    assert done.status_code == 303
    assert [s["path"] for s in sent(gateway, "DELETE")] == [f"/api/v1/portal/materials/{MATERIAL}"]


@pytest.mark.parametrize("role", ["teacher", "accountant"])
def test_roles_the_api_refuses_have_no_menu_entry_nor_page(gateway: FakeGateway, role: str) -> None:
    with signed_in(gateway, role) as client:
        page = client.get("/app/knowledge")
        assert page.status_code == 403
        assert 'href="/app/knowledge"' not in page.text  # the menu has no entry for it
        assert 'href="/app/figures"' in page.text
        answer = client.post("/app/knowledge", data={"title": "x"}, headers=csrf(client))
        assert answer.status_code == 403
    assert not [s for s in gateway.seen if "/portal/" in s["path"]]
