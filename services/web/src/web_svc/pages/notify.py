"""Messages to clients: the templates (list, editor with a live preview) and the words every
notifications page shares (triggers, channels, statuses)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.refusals import reason
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
NO = "/api/v1/notifications"
LOCALES = ("en", "ru", "pl", "uk")
Text = Annotated[str, Form()]

TRIGGERS = {
    "payment_due_soon": N_("Payment due soon"),
    "payment_overdue": N_("Payment overdue"),
    "pack_expiring": N_("Pack expiring"),
    "pack_running_low": N_("Pack running low"),
    "makeup_expiring": N_("Make-up about to expire"),
    "subscription_renewed": N_("Subscription renewed"),
    "waitlist_seat_offered": N_("Waitlist seat offered"),
    "email_confirmation": N_("Email confirmation"),
    "staff_invitation": N_("Staff invitation"),
    "password_reset": N_("Password reset"),
    "client_welcome": N_("Welcome"),
    "comment_visible": N_("Comment for the client"),
    "lead_created": N_("New lead"),
    "portal_code": N_("Portal sign-in code"),
    "broadcast": N_("Broadcast"),
}
CHANNELS = {"email": N_("email"), "telegram": N_("Telegram"), "push": N_("push"), "sms": N_("SMS")}
STATUSES = {
    "queued": N_("queued"),
    "deferred": N_("deferred"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}
UNKNOWN_VARIABLE = re.compile(r"unknown variable '([^']+)'")


def labels() -> dict[str, Any]:
    return {"trigger_labels": TRIGGERS, "channel_labels": CHANNELS, "status_labels": STATUSES}


def field_errors(exc: ApiError, request: Request) -> dict[str, Markup]:
    """The API's refusal by field (subject, body, ...), an unknown variable named in the
    page's language."""
    _ = words_for(request)
    found: dict[str, list[Markup]] = {}
    for error in exc.problem.get("errors") or []:
        if not isinstance(error, dict):
            continue
        field = str(error.get("field") or ".".join(str(p) for p in error.get("loc", [])[1:]))
        said = str(error.get("message") or error.get("msg") or "")
        unknown = UNKNOWN_VARIABLE.search(said)
        if unknown:
            message = escape(_("Unknown variable: %(name)s") % {"name": unknown.group(1)})
        else:
            message = reason(str(error.get("type") or ""), said, _)
        found.setdefault(field, []).append(message)
    if not found:
        found["form"] = [refusal(exc, _)]
    return {field: Markup("; ").join(messages) for field, messages in found.items()}


@router.get("/app/notifications")
async def notifications_home() -> Response:
    return RedirectResponse("/app/notifications/templates", status_code=303)


@router.get("/app/notifications/templates")
async def templates_list(
    request: Request, caller: StaffDep, locale: str = "", saved: str = ""
) -> Response:
    chosen = locale if locale in LOCALES else ""
    found = await caller.get(f"{NO}/templates", locale=chosen or None)
    return render(
        request,
        "app/notify_templates.html",
        {"templates": items(found), "locale": chosen, "locales": LOCALES, "saved": saved}
        | labels(),
    )


async def _editor(
    request: Request,
    caller: Caller,
    trigger: str,
    locale: str,
    values: dict[str, str] | None,
    errors: dict[str, Markup],
    status_code: int = 200,
) -> Response:
    found = items(await caller.get(f"{NO}/templates", trigger=trigger, locale=locale))
    if not found:
        return RedirectResponse("/app/notifications/templates", status_code=303)
    current = found[0]
    declared = {t["name"]: t for t in items(await caller.get(f"{NO}/triggers"))}
    variables = declared.get(trigger, {}).get("variables", [])
    return render(
        request,
        "app/notify_template_edit.html",
        {
            "current": current,
            "values": values or {"subject": current["subject"], "body": current["body"]},
            "variables": list(dict.fromkeys(["first_name", "name", "school", *variables])),
            "errors": errors,
        }
        | labels(),
        status_code=status_code,
    )


@router.get("/app/notifications/templates/edit")
async def template_editor(
    request: Request, caller: StaffDep, trigger: str, locale: str
) -> Response:
    return await _editor(request, caller, trigger, locale, None, {})


@router.post("/app/notifications/templates/edit")
async def template_save(
    request: Request, caller: StaffDep, trigger: Text, locale: Text, subject: Text, body: Text
) -> Response:
    payload = {"trigger": trigger, "locale": locale, "subject": subject, "body": body}
    try:
        await caller.post(f"{NO}/templates", payload)
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        values = {"subject": subject, "body": body}
        return await _editor(
            request, caller, trigger, locale, values, field_errors(exc, request), 422
        )
    return RedirectResponse(
        f"/app/notifications/templates?locale={locale}&saved={trigger}", status_code=303
    )


@router.post("/app/notifications/templates/preview")
async def template_preview(
    request: Request, caller: StaffDep, trigger: Text, locale: Text, subject: Text, body: Text
) -> Response:
    """The editor's live preview (htmx): the text with example values, or what is wrong,
    each error next to its field."""
    payload = {"trigger": trigger, "locale": locale, "subject": subject, "body": body}
    preview: dict[str, Any] | None = None
    errors: dict[str, Markup] = {}
    try:
        preview = await caller.post(f"{NO}/templates/preview", payload)
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        errors = field_errors(exc, request)
    return render(request, "app/notify_preview.html", {"preview": preview, "errors": errors})
