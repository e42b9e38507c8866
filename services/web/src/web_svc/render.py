"""Pages: one Jinja environment per locale (its catalogue installed), the page context."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from web_svc.addresses import public_origin
from web_svc.gateway import ApiError
from web_svc.i18n import (
    LANGUAGE_NAMES,
    LOCALES,
    Formats,
    Translator,
    choose_locale,
    negotiate,
    translator,
)
from web_svc.refusals import account, foreign, import_problem, words_of
from web_svc.row_summary import row_summary
from web_svc.sessions import LANG_COOKIE, Session

TEMPLATES = Path(__file__).parent / "templates"


def N_(message: str) -> str:
    """Marks a text for the catalogue; it is translated where it is shown."""
    return message


# (path, label, roles): the staff menu; an item shows only to the roles that can use it.
ALL_STAFF = frozenset({"owner", "admin", "teacher", "accountant"})
MANAGERS = frozenset({"owner", "admin"})
MENU: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/app", N_("Start"), frozenset({"owner", "admin"})),
    ("/app/groups", N_("Journal"), ALL_STAFF),
    ("/app/clients", N_("Clients"), ALL_STAFF),
    ("/app/rooms", N_("Rooms"), frozenset({"owner", "admin"})),
    ("/app/tasks", N_("My tasks"), frozenset({"owner", "admin", "teacher"})),
    ("/app/leads", N_("Leads"), MANAGERS),
    ("/app/catalogue", N_("Catalogue"), frozenset({"owner", "admin", "accountant"})),
    ("/app/packs", N_("Packs"), frozenset({"owner", "admin", "accountant"})),
    ("/app/invoices", N_("Invoices"), frozenset({"owner", "admin", "accountant"})),
    ("/app/figures", N_("Figures"), ALL_STAFF),
    ("/app/notifications", N_("Messages"), frozenset({"owner", "admin"})),
    ("/app/knowledge", N_("Knowledge centre"), MANAGERS),
    ("/app/staff", N_("Staff"), MANAGERS),
    ("/app/settings", N_("Settings"), MANAGERS),
)


class Pages:
    def __init__(self, mark_untranslated: bool) -> None:
        self.mark_untranslated = mark_untranslated
        self.environments = {locale: self._environment(locale) for locale in LOCALES}

    def _environment(self, locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            enable_async=False,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals["row_summary"] = row_summary
        words = translator(locale, self.mark_untranslated)
        env.install_gettext_callables(  # type: ignore[attr-defined]
            words.gettext, words.ngettext, newstyle=True
        )
        # the services' own words on a page: marked English, or said in the page's words
        env.globals["foreign"] = functools.partial(foreign, words=words)
        env.globals["row_problem"] = functools.partial(import_problem, words=words)
        return env


def page_locale(request: Request, session: Session | None) -> str:
    org = session.org.get("locale") if session else None
    own = session.lang if session else request.cookies.get(LANG_COOKIE)
    return choose_locale(own, org, negotiate(request.headers.get("accept-language")))


def formats(locale: str, session: Session | None) -> Formats:
    org = session.org if session else {}
    return Formats(
        locale=locale,
        time_zone=str(org.get("time_zone") or "UTC"),
        currency=str(org.get("currency") or "EUR"),
    )


def menu_for(session: Session | None) -> list[tuple[str, str]]:
    if session is None or session.realm != "staff":
        return []
    role = str(session.person.get("role", ""))
    return [(path, label) for path, label, roles in MENU if role in roles]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    session: Session | None = None,
) -> HTMLResponse:
    pages: Pages = request.app.state.pages
    session = session or getattr(request.state, "session", None)
    locale = page_locale(request, session)
    env = pages.environments[locale]
    words = translator(locale, pages.mark_untranslated)
    values = {
        "request": request,
        "lang": locale,
        "languages": LANGUAGE_NAMES,
        "fmt": formats(locale, session),
        "csrf": request.state.csrf,
        "session": session,
        "me": session.person if session else {},
        "org": session.org if session else {},
        "menu": menu_for(session),
        "path": request.url.path,
        "back": back_to(request),
        "home_path": "/my" if request.url.path.startswith("/my") else "/app",
        "language_path": "/my/language" if request.url.path.startswith("/my") else "/app/language",
        "t": words.gettext,
        "htmx": request.headers.get("hx-request") == "true",
        **(context or {}),
    }
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)


def words_for(request: Request) -> Translator:
    """The request's translator, called as gettext (`_`), for texts made in Python (flash
    messages, refusals)."""
    pages: Pages = request.app.state.pages
    locale = page_locale(request, getattr(request.state, "session", None))
    return translator(locale, pages.mark_untranslated)


def back_to(request: Request) -> str:
    """Where a language change comes back to: the page with its query (the family member
    chosen, the month shown). A page rendered for a form's POST (a refusal) has no address
    of its own to come back to: the page the form was on, else the area's home."""
    if request.method == "GET":
        url = request.url
        return f"{url.path}?{url.query}" if url.query else url.path
    home = "/my" if request.url.path.startswith("/my") else "/app"
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc in ("", urlsplit(public_origin(request)).netloc)
    if same_site and referer.path.startswith(home) and not referer.path.startswith("//"):
        return f"{referer.path}?{referer.query}" if referer.query else referer.path
    return home


def refusal(exc: ApiError, _: Callable[[str], str]) -> Markup:
    """What to tell the person about a refused form, in the page's words (web_svc.refusals):
    what to fix, or to try again soon (a service not answering, or one that has not yet
    learnt of something new)."""
    return account(exc, words_of(_))
