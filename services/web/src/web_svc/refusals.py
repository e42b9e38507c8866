"""A service's refusal told in the page's language.

The API answers a refusal with problem+json: a status, a title, a detail and, for bad
input, one entry per field (its name, its message and, from validation, pydantic's type).
The person reads a sentence for the status, then each field by its label on the page and
the reason in words for the standard types. What only the service can say (a domain rule's
message, a detail) follows in English, marked lang="en" on a page in another language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from web_svc.gateway import ApiError
from web_svc.i18n import DEFAULT_LOCALE, Translator, translator


def N_(message: str) -> str:
    return message


UNAVAILABLE = N_("A part of the system is not answering. Try again in a moment.")
LEADS: Mapping[int, str] = {
    400: N_("Please check the form."),
    403: N_("You may not do this."),
    404: N_("Not found: it may no longer exist."),
    409: N_("This cannot be done in its current state."),
    412: N_("Someone else changed this meanwhile. Reload the page and try again."),
    413: N_("The file is too large."),
    415: N_("This kind of file or data is not accepted."),
    422: N_("Please check the form."),
    429: N_("Too many tries. Wait a moment and try again."),
}
OTHER_LEAD = N_("The system refused this.")
SHOWN_FIELDS = 3

# The API's field names as the pages label them (most labels are the forms' own).
FIELD_LABELS: Mapping[str, str] = {
    "amount": N_("Amount"),
    "amount_minor": N_("Amount"),
    "birthday": N_("Birthday"),
    "body": N_("Text"),
    "branch_id": N_("Branch"),
    "capacity": N_("Capacity"),
    "channel": N_("Channel"),
    "classes": N_("Classes"),
    "client_id": N_("Client"),
    "comment": N_("Comment"),
    "currency": N_("Currency"),
    "description": N_("Description"),
    "due_date": N_("Due date"),
    "due_on": N_("Due date"),
    "duration_minutes": N_("Minutes"),
    "email": N_("Email"),
    "ends_on": N_("Ends on"),
    "first_name": N_("First name"),
    "from_date": N_("From"),
    "group_id": N_("Group"),
    "kind": N_("Kind"),
    "last_name": N_("Last name"),
    "lead_source": N_("Lead source"),
    "lesson_date": N_("Lesson date"),
    "links": N_("Links"),
    "locale": N_("Language"),
    "name": N_("Name"),
    "note": N_("Note"),
    "pack_id": N_("Pack"),
    "paid_on": N_("Paid on"),
    "password": N_("Password"),
    "period": N_("Period"),
    "period_count": N_("Period"),
    "period_unit": N_("Unit"),
    "phone": N_("Phone"),
    "price": N_("Price"),
    "price_minor": N_("Price"),
    "reason": N_("Reason"),
    "room_id": N_("Room"),
    "service_id": N_("Service"),
    "starts_at": N_("Time"),
    "starts_on": N_("Starts on"),
    "status": N_("Status"),
    "subject": N_("Subject"),
    "tags": N_("Tags"),
    "teacher_id": N_("Teacher"),
    "time_zone": N_("Time zone"),
    "title": N_("Title"),
    "to_client_id": N_("To client"),
    "to_date": N_("Until"),
    "to_group_id": N_("To group"),
    "until_date": N_("Until"),
    "weekday": N_("Day"),
}

# pydantic's error types, by what the person should do about them.
REASONS: Mapping[str, str] = {
    "missing": N_("required"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "decimal_type": N_("must be a number"),
    "decimal_parsing": N_("must be a number"),
    "bool_type": N_("must be yes or no"),
    "bool_parsing": N_("must be yes or no"),
    "date_type": N_("must be a date"),
    "date_parsing": N_("must be a date"),
    "date_from_datetime_parsing": N_("must be a date"),
    "date_from_datetime_inexact": N_("must be a date"),
    "time_type": N_("must be a time"),
    "time_parsing": N_("must be a time"),
    "datetime_type": N_("must be a date and time"),
    "datetime_parsing": N_("must be a date and time"),
    "datetime_from_date_parsing": N_("must be a date and time"),
    "uuid_type": N_("must be chosen from the list"),
    "uuid_parsing": N_("must be chosen from the list"),
    "literal_error": N_("not one of the choices"),
    "enum": N_("not one of the choices"),
    "string_pattern_mismatch": N_("not in the expected form"),
    "extra_forbidden": N_("not expected here"),
    "too_long": N_("too many items"),
}
# Types whose reason needs the limit the message names ("at most 100 characters").
LIMITS: Mapping[str, str] = {
    "greater_than": N_("must be greater than %(limit)s"),
    "greater_than_equal": N_("must be at least %(limit)s"),
    "less_than": N_("must be less than %(limit)s"),
    "less_than_equal": N_("must be at most %(limit)s"),
}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def foreign(text: str, words: Translator) -> Markup:
    """The service's own words: escaped, and marked English on a page in another language
    (WCAG 3.1.2). Markup is already the page's own words (a refusal the web made)."""
    if isinstance(text, Markup):
        return text
    if words.locale == DEFAULT_LOCALE:
        return escape(text)
    return Markup('<span lang="en">{}</span>').format(text)


def field_label(field: str, words: Translator) -> Markup:
    """A field by its label on the page; a nested one ("schedule.0.starts_at") by its
    last name; one the pages do not label, as the API names it."""
    names = [field, *(part for part in reversed(field.split(".")) if not part.isdigit())]
    for name in names:
        if name in FIELD_LABELS:
            return escape(words(FIELD_LABELS[name]))
    return foreign(field, words)


def reason(kind: str, message: str, words: Translator) -> Markup:
    """Why a field was refused: a standard type in words, else the service's message."""
    if kind in REASONS:
        return escape(words(REASONS[kind]))
    limit = NUMBER.search(message)
    if kind in LIMITS and limit:
        number = format_decimal(float(limit.group()), locale=words.locale)
        return escape(words(LIMITS[kind]) % {"limit": number})
    if kind == "string_too_long" and limit:
        count = int(float(limit.group()))
        text = words.ngettext(
            "too long: at most %(num)d character", "too long: at most %(num)d characters", count
        )
        return escape(text % {"num": count})
    if kind == "string_too_short" and limit:
        count = int(float(limit.group()))
        if count == 1:
            return escape(words(REASONS["missing"]))
        text = words.ngettext(
            "too short: at least %(num)d character", "too short: at least %(num)d characters", count
        )
        return escape(text % {"num": count})
    if "valid email" in message:
        return escape(words.gettext("not a valid email address"))
    return foreign(message, words)


def _fields(errors: Iterable[Any], words: Translator) -> list[Markup]:
    parts: list[Markup] = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        field = str(
            error.get("field")
            or ".".join(str(p) for p in error.get("loc", []) if p not in ("body", "query"))
        )
        said = reason(
            str(error.get("type") or ""), str(error.get("message") or error.get("msg") or ""), words
        )
        parts.append(Markup("{}: {}").format(field_label(field, words), said) if field else said)
    return parts


def lead_of(status: int, words: Translator) -> str:
    if status >= 500:
        return words(UNAVAILABLE)
    return words(LEADS.get(status, OTHER_LEAD))


def account(exc: ApiError, words: Translator, first: str | None = None) -> Markup:
    """The whole refusal: `first` (what did not happen, "Not saved."), the status's
    sentence, then the fields with their reasons, or the service's detail when it names no
    field (a service that failed says nothing of its own)."""
    opening = escape(lead_of(exc.status, words))
    if first:
        opening = Markup("{} {}").format(first, opening)
    if exc.status >= 500:
        return opening
    errors = exc.problem.get("errors")
    parts = _fields(errors if isinstance(errors, list) else [], words)
    if parts:
        shown = Markup("; ").join(parts[:SHOWN_FIELDS])
        more = len(parts) - SHOWN_FIELDS
        if more > 0:
            rest = words.ngettext("and %(num)d more problem", "and %(num)d more problems", more)
            shown = Markup("{}; {}").format(shown, rest % {"num": more})
        return Markup("{} {}.").format(opening, shown)
    detail = exc.problem.get("detail")
    if isinstance(detail, str) and detail:
        return Markup("{} {}").format(opening, foreign(detail, words))
    return opening


def not_saved(exc: ApiError, gettext: Callable[[str], str]) -> Markup:
    """A change that did not happen (a journal cell, a payment), and why."""
    words = words_of(gettext)
    return account(exc, words, words.gettext("Not saved."))


def words_of(gettext: Callable[[str], str]) -> Translator:
    """The translator behind a page's `_` (English when given a bare function)."""
    return gettext if isinstance(gettext, Translator) else translator(DEFAULT_LOCALE)


# Messages of the clients import's row checks (web only: the service keeps its English).
IMPORT_PROBLEMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], Translator], str]], ...] = (
    (
        re.compile(r"missing: every client needs a first and a last name"),
        lambda m, w: w.gettext("required: every client needs a first and a last name"),
    ),
    (
        re.compile(r"longer than (\d+) characters"),
        lambda m, w: (
            w.ngettext(
                "too long: at most %(num)d character",
                "too long: at most %(num)d characters",
                int(m.group(1)),
            )
            % {"num": int(m.group(1))}
        ),
    ),
    (
        re.compile(r"(?:not a date \(use|must be a date \() ?YYYY-MM-DD or DD\.MM\.YYYY\)"),
        lambda m, w: w.gettext("not a date (use YYYY-MM-DD or DD.MM.YYYY)"),
    ),
    (re.compile(r"must be a number"), lambda m, w: w.gettext("must be a number")),
    (re.compile(r"must be yes or no"), lambda m, w: w.gettext("must be yes or no")),
    (
        re.compile(r"the birthday cannot be in the future"),
        lambda m, w: w.gettext("cannot be in the future"),
    ),
    (
        re.compile(r"no such custom field in this organisation"),
        lambda m, w: w.gettext("no such custom field in this organisation"),
    ),
)


def import_problem(message: str, words: Translator) -> Markup:
    """One row's problem from the import's report, in words where the web knows it; a
    service's detail after the known part ("not a valid email address: ...") stays English."""
    for pattern, say in IMPORT_PROBLEMS:
        found = pattern.fullmatch(message)
        if found:
            return escape(say(found, words))
    if message.startswith("not a valid email address: "):
        rest = message.removeprefix("not a valid email address: ")
        return Markup("{}: {}").format(
            words.gettext("not a valid email address"), foreign(rest, words)
        )
    return foreign(message, words)
