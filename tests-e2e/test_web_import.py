"""The clients import's progress in Debian's Chromium: while a file of thousands of rows goes
up, a labelled <progress> shows how much has gone and reaches its end, then turns
indeterminate while the server reads, checks or imports it, each state said in the page's
live region; the steps answer as they did. Without JavaScript the same forms post plainly."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from playwright.async_api import Browser, Page, Route, expect

from crm_devrun.system import System

from .browser import (
    DESKTOP,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)

ROWS = 2500
BAD_ROW = 7  # its birthday is no date
SLOW = {"offline": False, "latency": 3000, "downloadThroughput": -1, "uploadThroughput": 100_000}
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def a_big_file() -> bytes:
    lines = ["First name;Last name;Phone;Birthday"]
    for n in range(1, ROWS + 1):
        birthday = "2015-13-01" if n == BAD_ROW else f"2015-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        lines.append(f"Child{n};Family{n};601 {n // 1000:03d} {n % 1000:03d};{birthday}")
    return ("\n".join(lines) + "\n").encode()


# Each xhr event the form's request fires, and the progress box as the page's own handlers
# (hx-on, on the form) left it: this listener on the document hears the event after them.
RECORD = """() => {
  window.seen = [];
  for (const type of ['htmx:xhr:progress', 'htmx:xhr:loadend']) {
    document.addEventListener(type, (e) => {
      const bar = document.querySelector('.import-progress progress');
      if (!bar) return;
      window.seen.push({
        type, loaded: e.detail.loaded, total: e.detail.total,
        hidden: bar.parentElement.hidden, value: bar.getAttribute('value'), max: bar.max,
        label: bar.labels.length ? bar.labels[0].textContent : null,
        live: document.getElementById('live').textContent,
      });
    });
  }
}"""


async def steps_seen(page: Page) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = await page.evaluate("window.seen.splice(0)")
    return seen


def upload_went_then_server_worked(seen: list[dict[str, Any]], working: str) -> int:
    """The bar filled to the upload's end with "Uploading…", then turned indeterminate with
    `working` in the label and the live region. Answers the bytes sent."""
    ends = [i for i, s in enumerate(seen) if s["type"] == "htmx:xhr:progress" and s["total"]]
    assert ends, seen
    end = next(i for i in ends if seen[i]["loaded"] == seen[i]["total"])
    full = seen[end]
    assert not full["hidden"]
    assert (full["value"], full["max"]) == (str(full["total"]), full["total"]), full
    assert full["label"] == "Uploading…"
    assert all(seen[i]["value"] == str(seen[i]["loaded"]) for i in ends if i < end), (
        "the bar follows the bytes sent"
    )
    after = seen[end + 1]
    assert after["type"] == "htmx:xhr:loadend", seen[end:]
    assert (after["value"], after["label"], after["live"]) == (None, working, working)
    return int(full["total"])


async def test_a_failed_step_says_whether_the_file_went_and_what_the_server_answered(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    """While a step is on its way its button is disabled and looks it; then three failures,
    each said under the form: no answer (the request aborted), the server's error (a 502
    from a stand-in), and a refusal (the page's CSRF cookie gone: the web's own 403, whose
    reason is shown)."""
    _api, _signed_up, email = await school(gateway, "Failures school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients/import")
    csv = "First name;Last name\nZofia;Kowalska\n"
    await page.get_by_label("File").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    await page.get_by_role("button", name="Next: the columns").click()
    await expect(page.get_by_text("clients.csv: 1 row")).to_be_visible()
    check = page.get_by_role("button", name="Check the file")
    enabled = await check.evaluate("b => getComputedStyle(b).backgroundColor")
    failed = page.locator("#check-progress-failed")
    await expect(failed).to_be_hidden()

    held = asyncio.Event()
    arrived = asyncio.Event()

    async def hold(route: Route) -> None:
        arrived.set()
        await held.wait()
        await route.abort()

    await page.route("**/app/clients/import/check", hold)
    await check.click()
    await arrived.wait()
    await expect(check).to_be_disabled()
    looks = await check.evaluate(
        "b => { const s = getComputedStyle(b); return [s.cursor, s.backgroundColor, s.color] }"
    )
    assert looks[0] == "not-allowed"
    assert looks[1] != enabled, "a disabled button looks unlike an enabled one"
    await screenshot(page, "import-button-disabled")
    held.set()
    await expect(failed).to_have_text("The file could not be sent. Try again.")
    await expect(failed).to_have_attribute("role", "alert")
    await expect(page.locator("#check-progress")).to_be_hidden()
    await expect(check).to_be_enabled()
    await page.unroute("**/app/clients/import/check")

    await page.route(
        "**/app/clients/import/check",
        lambda route: route.fulfill(status=502, content_type="text/plain", body="bad gateway"),
    )
    await check.click()
    await expect(failed).to_have_text(
        "The server answered with an error (502). Try again in a moment."
    )
    await page.unroute("**/app/clients/import/check")

    await page.context.clear_cookies(name="crm_csrf")
    await check.click()
    await expect(failed).to_have_text(
        "The server refused this (403). The form had expired. Go back, reload the page and "
        "try again."
    )
    await expect(page.locator("#live")).to_have_text("")
    assert await accessibility_problems(page) == []
    await screenshot(page, "import-refused")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_big_files_progress_through_upload_check_and_import(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    _api, _signed_up, email = await school(gateway, "Progress school")
    content = a_big_file()
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients/import")
    await expect(page.locator("#upload-progress")).to_be_hidden()
    await page.evaluate(RECORD)

    await page.get_by_label("File").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": content}]
    )
    await page.get_by_role("button", name="Next: the columns").click()
    await expect(page.get_by_text(f"clients.csv: {ROWS} rows")).to_be_visible()
    # the next step is read from its start
    await expect(page.get_by_role("heading", name="Import clients")).to_be_focused()
    sent = upload_went_then_server_worked(await steps_seen(page), "Reading the file…")
    assert sent > len(content)  # the whole file went, in its multipart envelope
    await expect(page.locator("#live")).to_have_text("")

    # The network made slow (Chromium's own throttling: a slow upload, then a late answer),
    # so that the page can be looked at while the server is still at work.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW)
    await page.get_by_role("button", name="Check the file").click()
    going = page.get_by_label("Uploading…")
    await expect(going).to_have_attribute("value", re.compile(r"^[1-9]"))  # some has gone
    assert await going.evaluate("b => b.value < b.max && b.position > 0 && b.position < 1")
    await screenshot(page, "import-progress-uploading")
    bar = page.get_by_label("Checking the rows…")
    await expect(bar).to_be_visible()
    assert await bar.evaluate("b => [b.tagName, b.position]") == ["PROGRESS", -1]
    await expect(page.locator("#live")).to_have_text("Checking the rows…")
    await expect(page.get_by_role("button", name="Check the file")).to_be_disabled()
    assert await accessibility_problems(page) == []
    await screenshot(page, "import-progress-checking")
    await cdp.send("Network.emulateNetworkConditions", FAST)
    await expect(page.locator("#dry-run-summary")).to_have_text(
        f"{ROWS - 1} rows can be imported; 1 row has problems and will be left out."
    )
    seen = await steps_seen(page)
    upload_went_then_server_worked(seen, "Checking the rows…")
    # the slow upload was seen part way (the bar followed those bytes: checked above)
    assert [s for s in seen if s["total"] and 0 < s["loaded"] < s["total"]], seen[:5]
    await expect(page.locator("#check-progress")).to_have_count(0)

    await page.get_by_role("button", name=f"Import {ROWS - 1} clients").click()
    await expect(page.locator("#import-done")).to_have_text(
        f"{ROWS - 1} clients imported. 1 row left out.", timeout=60_000
    )
    upload_went_then_server_worked(await steps_seen(page), "Importing…")
    await expect(page.locator("#import-progress")).to_be_hidden()
    await expect(page.locator("#live")).to_have_text("")
    await expect(page.get_by_role("link", name="Open the clients")).to_be_focused()
    await expect(page.locator("ol.import-steps")).to_have_count(1)
    await expect(page.locator("ol.import-steps [aria-current=step]")).to_have_text("Import")
    await screenshot(page, "import-progress-done")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_import_steps_post_plainly_without_javascript(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    _api, _signed_up, email = await school(gateway, "Plain school")
    context = await browser.new_context(
        base_url=system.gateway_url,
        locale="en-GB",
        viewport=DESKTOP,  # type: ignore[arg-type]
        java_script_enabled=False,
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    await sign_in(page, email)
    await page.goto("/app/clients/import")
    await expect(page.locator("#upload-progress")).to_be_hidden()
    csv = "First name;Last name;Phone\nZofia;Kowalska;601 400 100\nJan;Lis;601 400 101\n"
    await page.get_by_label("File").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    await page.get_by_role("button", name="Next: the columns").click()
    await expect(page.get_by_text("clients.csv: 2 rows")).to_be_visible()
    await expect(page.locator("#check-progress")).to_be_hidden()
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.locator("#dry-run-summary")).to_have_text("2 rows can be imported.")
    await page.get_by_role("button", name="Import 2 clients").click()
    await page.wait_for_url("**/app/clients/import/run")
    await expect(page.locator("#import-done")).to_have_text("2 clients imported.")
    await expect(page.locator("ol.import-steps [aria-current=step]")).to_have_text("Import")
    await screenshot(page, "import-plain-done")
    await context.close()
