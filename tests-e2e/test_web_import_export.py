"""The clients' import in Debian's Chromium through the gateway: the columns guessed, a dry
run that writes nothing and names the bad row, the import, the CSV export of what came in, and
the steps only a form reaches in every language."""

from __future__ import annotations

import datetime as dt
import io
import re

import httpx
from openpyxl import Workbook
from playwright.async_api import Browser, expect

from crm_devrun.system import System

from .browser import (
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)

CL = "/api/v1/clients"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CSV = (
    "First name;Last name;Phone;Birthday\n"
    "Zofia;Kowalska;601 400 100;2015-06-01\n"
    "Jan;Lis;601 400 101;2015-13-01\n"
    "Ewa;Nowak;601 400 102;01.02.2016\n"
)


async def test_an_import_with_a_bad_row_and_the_export(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, "Import school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients")
    await page.get_by_role("link", name="Import", exact=True).click()
    await page.get_by_label("File").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    await page.get_by_role("button", name="Next: the columns").click()
    # The columns are guessed from the headers.
    for label, column in (("First name", "First name"), ("Birthday", "Birthday")):
        await expect(page.get_by_label(label, exact=True)).to_have_value(column)
    await expect(page.get_by_label("Email", exact=True)).to_have_value("")
    await page.get_by_role("button", name="Check the file").click()

    summary = page.locator("#dry-run-summary")
    await expect(summary).to_have_text(
        "2 rows can be imported; 1 row has problems and will be left out."
    )
    problems = page.locator("#import-errors tbody tr")
    await expect(problems).to_have_count(1)
    assert [await c.inner_text() for c in await problems.first.locator("td").all()][:2] == [
        "3",
        "Birthday",
    ]
    assert (await api.call("GET", f"{CL}/clients"))["items"] == []  # a dry run writes nothing
    await screenshot(page, "money-import-check")
    await page.get_by_role("button", name="Import 2 clients").click()
    await expect(page.locator("#import-done")).to_have_text("2 clients imported. 1 row left out.")
    await screenshot(page, "money-import-done")
    clients = (await api.call("GET", f"{CL}/clients"))["items"]
    assert sorted(c["last_name"] for c in clients) == ["Kowalska", "Nowak"]

    await page.get_by_role("link", name="Open the clients").click()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Export CSV").click()
    download = await download_info.value
    assert download.suggested_filename == "clients.csv"
    saved = await download.path()
    exported = saved.read_text(encoding="utf-8-sig").splitlines()
    assert exported[0].startswith("id,first_name,last_name")
    assert sorted(line.split(",")[2] for line in exported[1:]) == ["Kowalska", "Nowak"]

    # The steps that only a form reaches, in the other languages.
    for lang in ("ru", "pl", "uk"):
        await page.locator(f"footer button[value={lang}]").click()
        await page.goto("/app/clients/import")
        await page.locator("#im-file").set_input_files(
            files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
        )
        for step in (2, 3):  # the columns, then the check (htmx swaps the step in)
            await page.locator("main form button[type=submit]").first.click()
            current = page.locator(f"ol.import-steps li:nth-child({step})")
            await expect(current).to_have_attribute("aria-current", "step")
            html = await page.content()
            assert f'<html lang="{lang}">' in html
            assert "\u27e6" not in html, f"{lang}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
        await expect(page.locator("#import-errors tbody tr")).to_have_count(1)
        await screenshot(page, f"money-import-{lang}")
    assert page.errors == []  # type: ignore[attr-defined]


def a_workbook() -> bytes:
    """A spreadsheet as Excel saves it: a real date cell, a phone typed as a number, a
    birthday typed as text that is no date."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Imię", "Nazwisko", "Telefon", "Data urodzenia"])
    sheet.append(["Zofia", "Kowalska", 601400100, dt.datetime(2015, 6, 1)])
    sheet.append(["Jan", "Lis", "601 400 101", "trzynasty maja"])
    sheet.append(["Ewa", "Nowak", 601400102, dt.datetime(2016, 2, 1)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_xlsx_import_reads_real_dates_and_numbers(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, "Spreadsheet school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients/import")
    await page.get_by_label("File").set_input_files(
        files=[{"name": "uczniowie.xlsx", "mimeType": XLSX, "buffer": a_workbook()}]
    )
    await page.get_by_role("button", name="Next: the columns").click()
    for label, column in (
        ("First name", "Imię"),
        ("Last name", "Nazwisko"),
        ("Phone", "Telefon"),
        ("Birthday", "Data urodzenia"),
    ):
        await page.get_by_label(label, exact=True).select_option(column)
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.locator("#dry-run-summary")).to_have_text(
        "2 rows can be imported; 1 row has problems and will be left out."
    )
    problems = page.locator("#import-errors tbody tr")
    await expect(problems).to_have_count(1)
    assert [await c.inner_text() for c in await problems.first.locator("td").all()][:2] == [
        "3",
        "Birthday",
    ]
    await page.get_by_role("button", name="Import 2 clients").click()
    await expect(page.locator("#import-done")).to_have_text("2 clients imported. 1 row left out.")
    await screenshot(page, "import-xlsx-done")
    clients = {c["last_name"]: c for c in (await api.call("GET", f"{CL}/clients"))["items"]}
    assert sorted(clients) == ["Kowalska", "Nowak"]
    assert clients["Kowalska"]["birthday"] == "2015-06-01"
    assert clients["Nowak"]["birthday"] == "2016-02-01"
    assert "601400102" in re.sub(r"\D", "", str(clients["Nowak"].get("phone")))
    assert page.errors == []  # type: ignore[attr-defined]
