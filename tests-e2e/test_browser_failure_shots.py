"""A failed browser test leaves a screenshot of each page it still had open."""

from __future__ import annotations

from playwright.async_api import Browser

from .browser import (
    OPEN_PAGES,
    SHOTS,
    browser,  # noqa: F401 - the fixture
    close_test_pages,
    new_page,
)

PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_failed_test_keeps_each_open_page_and_a_passed_one_none(browser: Browser) -> None:  # noqa: F811
    kept_before = SHOTS / "failed" / "test_shot-case-1--1.png"
    kept_before.unlink(missing_ok=True)
    open_one = await new_page(browser, "http://127.0.0.1")
    await open_one.set_content("<h1>Left open</h1>")
    closed = await new_page(browser, "http://127.0.0.1")
    await closed.context.close()
    open_two = await new_page(browser, "http://127.0.0.1")

    kept = await close_test_pages("test_shot[case 1]")

    assert kept == [kept_before, SHOTS / "failed" / "test_shot-case-1--3.png"]
    assert all(path.read_bytes().startswith(PNG) for path in kept)
    assert open_one.is_closed()
    assert open_two.is_closed()
    assert OPEN_PAGES == []

    passed = await new_page(browser, "http://127.0.0.1")
    assert await close_test_pages(None) == []
    assert passed.is_closed()
