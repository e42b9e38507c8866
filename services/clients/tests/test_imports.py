"""Import from CSV and XLSX with a column mapping: a dry run reports every bad row with its
reason; an import is all or nothing per file. Export to CSV."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

from openpyxl import Workbook

from .conftest import Api, Org, staff

IMPORTS = "/api/v1/clients/imports"
MAPPING = {
    "first_name": "Imię",
    "last_name": "Nazwisko",
    "phone": "Telefon",
    "email": "E-mail",
    "birthday": "Urodziny",
    "tags": "Tagi",
}


def csv_file(rows: list[list[str]], delimiter: str = ";") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return base64.b64encode(out.getvalue().encode("utf-8")).decode()


def xlsx_file(rows: list[list[Any]]) -> str:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


HEADER = ["Imię", "Nazwisko", "Telefon", "E-mail", "Urodziny", "Tagi"]


def count(api: Api, org: Org) -> int:
    return int(
        api.sql("SELECT count(*) AS n FROM clients WHERE tenant_id = $1", org.tenant_id)[0]["n"]
    )


def run(api: Api, org: Org, content: str, fmt: str = "csv", **extra: Any) -> Any:
    return api.call(
        "POST",
        IMPORTS,
        org.owner,
        json={"format": fmt, "content_base64": content, "mapping": MAPPING} | extra,
    )


def test_a_dry_run_reports_every_bad_row_with_its_reason_and_writes_nothing(api: Api) -> None:
    org = api.organisation()
    api.client_of(org, phone="601 000 001")
    content = csv_file(
        [
            HEADER,
            ["Zofia", "Kowalska", "601 234 567", "zofia@example.com", "01.06.2015", "piano, kids"],
            ["", "Nowak", "", "", "", ""],
            ["Jan", "", "12", "not-an-email", "31.02.2015", ""],
            ["Ola", "Lis", "601-000-001", "", "2015-06-01", "Piano"],
        ]
    )
    report = run(api, org, content, dry_run=True)
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["rows"], body["valid"], body["imported"]) == (4, 2, 0)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "first_name"),
        (4, "last_name"),
        (4, "phone"),
        (4, "email"),
        (4, "birthday"),
    ]
    assert "first and a last name" in body["errors"][0]["message"]
    assert body["warnings"] == [
        {"row": 5, "field": "phone", "message": "a client with this phone exists"}
    ]
    assert body["new_tags"] == ["kids", "piano"]
    assert count(api, org) == 1


def test_an_import_with_a_bad_row_imports_nothing(api: Api) -> None:
    org = api.organisation()
    content = csv_file(
        [HEADER, ["Zofia", "Kowalska", "", "", "", "piano"], ["Jan", "", "", "", "", ""]]
    )
    refused = run(api, org, content, dry_run=False)
    assert refused.status_code == 422
    body = refused.json()
    assert "nothing was imported" in body["detail"]
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "rows.3.last_name")]
    assert count(api, org) == 0
    assert api.ok("GET", "/api/v1/clients/tags", org.owner) == {"items": [], "next_cursor": None}
    assert api.sql("SELECT 1 FROM outbox WHERE tenant_id = $1", org.tenant_id) == []


def test_a_good_csv_is_imported_whole_with_tags_history_and_events(api: Api) -> None:
    org = api.organisation()
    api.ok("POST", "/api/v1/clients/tags", org.owner, json={"name": "Piano"})
    content = csv_file(
        [
            HEADER,
            ["Zofia", "Kowalska", "601 234 567", "Zofia@Example.com", "2015-06-01", "piano; kids"],
            ["Jan", "Nowak", "+7 916 123 45 67", "", "", ""],
        ],
        delimiter=",",
    )
    report = run(api, org, content, dry_run=False)
    assert report.status_code == 200, report.text
    assert report.json()["imported"] == 2
    items = api.ok("GET", "/api/v1/clients/clients", org.owner)["items"]
    assert [(c["first_name"], c["phone"], c["email"]) for c in items] == [
        ("Zofia", "+48601234567", "zofia@example.com"),
        ("Jan", "+79161234567", None),
    ]
    assert sorted(t["name"] for t in items[0]["tags"]) == ["Piano", "kids"]
    assert (
        api.ok("GET", f"/api/v1/clients/clients/{items[0]['id']}/history", org.owner)["items"][0][
            "kind"
        ]
        == "client.imported"
    )
    assert len(api.events("clients.client_registered", items[1]["id"])) == 1
    assert len(api.events("clients.email_confirmation_requested", items[0]["id"])) == 1
    assert (
        api.ok("GET", "/api/v1/clients/clients", org.owner, params={"q": "916 123"})["items"][0][
            "first_name"
        ]
        == "Jan"
    )


def test_xlsx_with_date_cells_and_custom_fields(api: Api) -> None:
    from datetime import datetime

    org = api.organisation()
    api.ok(
        "POST",
        "/api/v1/clients/custom-fields",
        org.owner,
        json={"key": "level", "label": "Level", "kind": "choice", "choices": ["A1", "B2"]},
    )
    content = xlsx_file(
        [
            ["Imię", "Nazwisko", "Urodziny", "Poziom"],
            ["Zofia", "Kowalska", datetime(2015, 6, 1), "A1"],
            ["Jan", "Nowak", None, "C3"],
        ]
    )
    mapping = {
        "first_name": "Imię",
        "last_name": "Nazwisko",
        "birthday": "Urodziny",
        "custom.level": "Poziom",
    }
    dry = run(api, org, content, fmt="xlsx", mapping=mapping).json()
    assert [(e["row"], e["field"]) for e in dry["errors"]] == [(3, "custom.level")]
    content = xlsx_file(
        [
            ["Imię", "Nazwisko", "Urodziny", "Poziom"],
            ["Zofia", "Kowalska", datetime(2015, 6, 1), "A1"],
        ]
    )
    done = run(api, org, content, fmt="xlsx", mapping=mapping, dry_run=False).json()
    assert done["imported"] == 1
    card = api.ok("GET", "/api/v1/clients/clients", org.owner)["items"][0]
    assert (card["birthday"], card["custom_fields"]) == ("2015-06-01", {"level": "A1"})


def test_a_mapping_or_file_that_does_not_fit_is_refused_up_front(api: Api) -> None:
    org = api.organisation()
    content = csv_file([HEADER, ["A", "B", "", "", "", ""]])
    wrong = run(api, org, content, mapping={"first_name": "Name", "colour": "Tagi"})
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {
        "mapping.first_name",
        "mapping.last_name",
        "mapping.colour",
    }
    not_xlsx = run(api, org, content, fmt="xlsx")
    assert not_xlsx.status_code == 422
    assert "XLSX" in not_xlsx.json()["detail"]
    not_base64 = run(api, org, "***")
    assert not_base64.status_code == 422
    teacher = staff(org.tenant_id, "teacher")
    assert (
        api.call(
            "POST",
            IMPORTS,
            teacher,
            json={"format": "csv", "content_base64": content, "mapping": MAPPING},
        ).status_code
        == 403
    )


def test_the_free_plan_limit_holds_for_imports(api: Api) -> None:
    org = api.organisation(plan="free")
    content = csv_file([HEADER] + [[f"N{i}", "L", "", "", "", ""] for i in range(4)])
    dry = run(api, org, content).json()
    assert dry["errors"][0]["field"] == "file"
    assert "free plan allows 3" in dry["errors"][0]["message"]
    refused = run(api, org, content, dry_run=False)
    assert refused.status_code == 422
    assert count(api, org) == 0


def test_export_is_a_csv_of_the_clients_the_caller_may_see(api: Api) -> None:
    org = api.organisation()
    north = api.branch(org)
    api.client_of(org, first_name="Zofia", phone="601234567", branch_id=str(north))
    api.client_of(org, first_name="Jan", branch_id=str(api.branch(org)))
    response = api.call("GET", "/api/v1/clients/export", org.owner)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["first_name"], r["phone"]) for r in rows] == [("Zofia", "+48601234567"), ("Jan", "")]
    admin = staff(org.tenant_id, "admin", branches={north})
    mine = api.call("GET", "/api/v1/clients/export", admin).content.decode("utf-8-sig")
    assert [r["first_name"] for r in csv.DictReader(io.StringIO(mine))] == ["Zofia"]


def test_export_cells_that_start_like_formulas_are_kept_as_text(api: Api) -> None:
    org = api.organisation()
    api.client_of(
        org,
        first_name='=HYPERLINK("http://x.example")',
        last_name="-2+3",
        phone="601234567",
        lead_source="@SUM(A1)",
        note="+cmd|' /C calc'!A0",
    )
    response = api.call("GET", "/api/v1/clients/export", org.owner)
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["first_name"] == '\'=HYPERLINK("http://x.example")'
    assert row["last_name"] == "'-2+3"
    assert row["lead_source"] == "'@SUM(A1)"
    assert row["note"] == "'+cmd|' /C calc'!A0"
    assert row["phone"] == "+48601234567"  # a phone is a number, not a formula


def test_an_uploaded_file_is_imported_like_the_json_body(api: Api) -> None:
    org = api.organisation()
    raw = base64.b64decode(
        xlsx_file(
            [HEADER, ["Ewa", "Lis", "601 999 000", "", None, ""], ["", "Bez", "", "", None, ""]]
        )
    )
    upload = {"file": ("klienci.xlsx", raw, "application/octet-stream")}
    dry = api.call(
        "POST", f"{IMPORTS}/file", org.owner, files=upload, data={"mapping": json.dumps(MAPPING)}
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert [(e["row"], e["field"]) for e in dry.json()["errors"]] == [(3, "first_name")]
    assert count(api, org) == 0
    good = base64.b64decode(xlsx_file([HEADER, ["Ewa", "Lis", "601 999 000", "", None, ""]]))
    done = api.call(
        "POST",
        f"{IMPORTS}/file",
        org.owner,
        files={"file": ("klienci.xlsx", good, "application/octet-stream")},
        data={"mapping": json.dumps(MAPPING), "dry_run": "false"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 1
    assert count(api, org) == 1


def test_an_upload_names_a_bad_file_or_mapping(api: Api) -> None:
    org = api.organisation()
    wrong_kind = api.call(
        "POST",
        f"{IMPORTS}/file",
        org.owner,
        files={"file": ("clients.pdf", b"%PDF", "application/pdf")},
        data={"mapping": json.dumps(MAPPING)},
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["errors"][0]["field"] == "file"
    bad_mapping = api.call(
        "POST",
        f"{IMPORTS}/file",
        org.owner,
        files={"file": ("clients.csv", b"a;b\n", "text/csv")},
        data={"mapping": "{not json"},
    )
    assert bad_mapping.status_code == 422
    assert bad_mapping.json()["errors"][0]["field"] == "mapping"


def test_the_export_is_documented_as_csv(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    ok = document["paths"]["/api/v1/clients/export"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["text/csv"]


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(api: Api) -> None:
    org = api.organisation()
    content = csv_file(
        [
            HEADER,
            ["Zofia", "Kowalska", "", "", "", "piano"],
            ["Jan", "", "", "", "", ""],
            ["Ola", "Lis", "", "", "2015-13-01", ""],
            ["Ewa", "Nowak", "", "", "2015-06-01", ""],
        ]
    )
    dry = run(api, org, content, dry_run=True, skip_invalid=True)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["valid"], dry.json()["imported"]) == (2, 0)
    assert count(api, org) == 0
    done = run(api, org, content, dry_run=False, skip_invalid=True)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["rows"], body["valid"], body["imported"]) == (4, 2, 2)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "last_name"), (4, "birthday")]
    names = {
        r["last_name"]
        for r in api.sql("SELECT last_name FROM clients WHERE tenant_id = $1", org.tenant_id)
    }
    assert names == {"Kowalska", "Nowak"}


def test_skip_invalid_still_holds_the_plan_limit(api: Api) -> None:
    org = api.organisation(plan="free")
    rows = [HEADER] + [[f"N{i}", "Lis", "", "", "", ""] for i in range(5)]
    refused = run(api, org, csv_file(rows), dry_run=False, skip_invalid=True)
    assert refused.status_code == 422
    assert count(api, org) == 0


def test_a_preview_answers_the_columns_and_first_rows(api: Api) -> None:
    org = api.organisation()
    rows = [HEADER, ["Zofia", "Kowalska", "", "", "", ""], ["Jan", "Lis", "", "", "", ""]]
    for fmt, content in (("csv", csv_file(rows)), ("xlsx", xlsx_file(rows))):
        answer = api.call(
            "POST",
            f"{IMPORTS}/preview",
            org.owner,
            json={"format": fmt, "content_base64": content},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"columns": HEADER, "rows": 2, "sample": rows[1:]}
    bad = api.call(
        "POST", f"{IMPORTS}/preview", org.owner, json={"format": "csv", "content_base64": "@@"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "content_base64"
    teacher = staff(org.tenant_id, "teacher")
    refused = api.call(
        "POST", f"{IMPORTS}/preview", teacher, json={"format": "csv", "content_base64": "eA=="}
    )
    assert refused.status_code == 403
    assert count(api, org) == 0
