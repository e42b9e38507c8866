"""A client's history in the page's language: each line worded from its kind and data (the
clients service's `summary` is English, with ISO dates), dates and money as the locale writes
them. A kind without a sentence here, or a line recorded before its data held what the
sentence needs, shows the summary, marked as English on a page in another language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from web_svc.i18n import DEFAULT_LOCALE, Formats, Translator, translator
from web_svc.render import N_, formats, page_locale
from web_svc.sessions import Session

Data = dict[str, Any]


@dataclass(frozen=True)
class Choice:
    """Sentences of one kind told apart by its data (a freeze started or scheduled)."""

    pick: Callable[[Data], object]
    options: dict[object, str]


def by(key: str) -> Callable[[Data], object]:
    return lambda data: data.get(key)


def _is_none(key: str) -> Callable[[Data], object]:
    return lambda data: data.get(key) is None


SENTENCES: dict[str, str | Choice] = {
    "client.registered": N_("Client card created"),
    "client.imported": N_("Client card imported from a spreadsheet"),
    "client.updated": N_("Card changed: %(changed)s"),
    "client.phone_changed": Choice(
        lambda d: (d.get("from") is None, d.get("to") is None),
        {
            (True, False): N_("Phone added: %(phone_to)s"),
            (False, True): N_("Phone removed: %(phone_from)s"),
            (False, False): N_("Phone changed from %(phone_from)s to %(phone_to)s"),
        },
    ),
    "client.email_confirmed": N_("Email %(email)s confirmed"),
    "client.tags_changed": Choice(
        lambda d: (bool(d.get("added")), bool(d.get("removed"))),
        {
            (True, False): N_("Tags added: %(added)s"),
            (False, True): N_("Tags removed: %(removed)s"),
            (True, True): N_("Tags added: %(added)s; removed: %(removed)s"),
        },
    ),
    "client.frozen": Choice(
        by("scheduled"),
        {
            False: N_("Frozen from %(from)s until %(until)s: %(reason)s"),
            True: N_("Freeze scheduled from %(from)s until %(until)s: %(reason)s"),
        },
    ),
    "client.freeze_started": N_("Freeze started"),
    "client.unfrozen": Choice(
        by("reason"), {"manual": N_("Unfrozen"), "period_ended": N_("Freeze period ended")}
    ),
    "client.archived": N_("Client archived"),
    "client.restored": N_("Client restored"),
    "lead.created": Choice(
        _is_none("source"),
        {True: N_("Lead created by hand"), False: N_("Lead created (%(source)s)")},
    ),
    "lead.status_changed": Choice(
        by("status"),
        {
            "new": N_("Lead status: new"),
            "contacted": N_("Lead status: contacted"),
            "trial": N_("Lead status: trial lesson"),
            "won": N_("Lead status: became a client"),
            "lost": N_("Lead status: lost (%(lost_reason)s)"),
        },
    ),
    "lead.converted": N_("Converted from a lead"),
    "link.issued": Choice(
        by("reissued"),
        {False: N_("Personal link issued"), True: N_("Personal link re-issued")},
    ),
    "link.revoked": N_("Personal link revoked"),
    "messenger.bound": N_("Messenger chat bound: %(channel)s"),
    "family.joined": N_("Linked to a family"),
    "family.left": N_("Unlinked from the family"),
    "family.payer_set": Choice(
        _is_none("payer_client_id"),
        {False: N_("Family payer set"), True: N_("Family payer cleared")},
    ),
    "task.created": Choice(
        lambda d: d.get("signup") or d.get("task_kind"),
        {
            "call": N_("Call planned for %(due_date)s: %(title)s"),
            "task": N_("Task planned for %(due_date)s: %(title)s"),
            "several_cards": N_(
                "Task for %(due_date)s: the portal sign-up by %(login)s matches several cards, "
                "link the right one"
            ),
            "archived": N_(
                "Task for %(due_date)s: the portal sign-up by %(login)s is refused, "
                "the client is archived"
            ),
        },
    ),
    "task.open": N_("Task reopened: %(title)s"),
    "task.done": N_("Task completed: %(title)s"),
    "task.cancelled": N_("Task cancelled: %(title)s"),
    "portal.linked": N_("Portal account linked (%(login)s)"),
    "profile.requested": N_("Profile change asked from the portal: %(fields)s"),
    "profile.approved": N_("Profile change approved"),
    "profile.rejected": N_("Profile change rejected"),
    "journal.enrolment_started": Choice(
        by("transferred"),
        {
            False: N_("Enrolled in group %(group)s from %(from_date)s"),
            True: N_("Transferred to group %(group)s from %(from_date)s"),
        },
    ),
    "journal.enrolment_ended": Choice(
        by("transferred"),
        {
            False: N_("Left group %(group)s on %(until_date)s"),
            True: N_("Transferred out of group %(group)s on %(until_date)s"),
        },
    ),
    "journal.attendance_marked": N_("Marked %(mark)s on %(lesson_date)s in group %(group)s"),
    "journal.attendance_unmarked": N_(
        "Mark (%(previous_mark)s) removed on %(lesson_date)s in group %(group)s"
    ),
    "billing.pack_sold": Choice(
        by("payment_mode"),
        {
            "paid": N_("Sold %(name)s for %(price)s, paid"),
            "credit": N_("Sold %(name)s for %(price)s, on credit"),
            "none": N_("Sold %(name)s for %(price)s, without payment"),
        },
    ),
    "billing.pack_changed": Choice(
        by("change"),
        {
            "extended": N_("%(name)s: extended%(classes)s"),
            "cancelled": N_("%(name)s: cancelled%(classes)s"),
            "refunded": N_("%(name)s: refunded (unused part)%(classes)s"),
            "bonus_added": N_("%(name)s: bonus classes added%(classes)s"),
            "transferred_out": N_("%(name)s: classes transferred to another client%(classes)s"),
            "transferred_in": N_("%(name)s: classes received from another client%(classes)s"),
            "frozen": N_("%(name)s: frozen%(classes)s"),
            "unfrozen": N_("%(name)s: unfrozen%(classes)s"),
            "restored": N_("%(name)s: restored%(classes)s"),
            "validity_edited": N_("%(name)s: validity edited%(classes)s"),
            "expired": N_("%(name)s: expired%(classes)s"),
        },
    ),
    "billing.payment_recorded": Choice(
        by("method"),
        {
            "cash": N_("Payment of %(amount)s in cash on %(paid_on)s"),
            "card": N_("Payment of %(amount)s by card on %(paid_on)s"),
            "transfer": N_("Payment of %(amount)s by bank transfer on %(paid_on)s"),
        },
    ),
    "billing.entry_cancelled": Choice(
        _is_none("reason"),
        {
            True: N_("Cancelled the %(entry_kind)s of %(amount)s"),
            False: N_("Cancelled the %(entry_kind)s of %(amount)s: %(reason)s"),
        },
    ),
    "billing.visit_charged": N_(
        "Visit on %(lesson_date)s charged at %(amount)s (no pack covered it)"
    ),
    "billing.invoice_issued": N_("Invoice for %(amount)s due on %(due_on)s: %(description)s"),
    "billing.balance_changed": N_("Balance is now %(balance)s"),
}

MARKS = {
    "planned": N_("planned"),
    "attended": N_("attended"),
    "absent": N_("absent"),
    "excused": N_("excused (make-up owed)"),
    "makeup_attended": N_("make-up attended"),
}
# The ledger's words for its entries (templates/app/entry_kinds.html).
ENTRY_KINDS = {
    "payment": N_("payment"),
    "sale": N_("sale"),
    "visit": N_("visit"),
    "virtual": N_("virtual visit"),
    "bonus": N_("bonus classes"),
    "refund": N_("refund"),
    "transfer": N_("classes transfer"),
    "issue": N_("classes issued"),
    "use": N_("class used"),
    "expire": N_("classes expired"),
    "reversal": N_("cancellation"),
}
FIELDS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "birthday": N_("Birthday"),
    "note": N_("Note"),
    "branch_id": N_("Branch"),
    "lead_source": N_("Lead source"),
    "locale": N_("Language"),
    "custom_fields": N_("Other fields"),
}
CHANNELS = {"telegram": "Telegram", "viber": "Viber"}
LEAD_SOURCES = {"portal sign-up": N_("portal sign-up")}

Value = Callable[[Data, Formats, Translator], str | None]


def _date(key: str) -> Value:
    return lambda d, fmt, _w: fmt.date(d[key]) if d.get(key) else None


def _money(key: str) -> Value:
    return lambda d, fmt, _w: fmt.money(d[key], d["currency"]) if d.get(key) is not None else None


def _text(key: str) -> Value:
    return lambda d, _f, _w: str(d[key]) if d.get(key) is not None else None


def _word(key: str, words: dict[str, str], keep_others: bool = False) -> Value:
    """A value the page names in its language (a mark's status); `keep_others`: one typed
    by a person (a lead's source) is shown as typed."""

    def value(d: Data, _f: Formats, w: Translator) -> str | None:
        found = d.get(key)
        if found in words:
            return w.gettext(words[found])
        return str(found) if keep_others and found is not None else None

    return value


def _described(d: Data, fmt: Formats, _w: Translator) -> str | None:
    """An invoice's description and, on a pack's invoice, the period it charges for."""
    if d.get("description") is None:
        return None
    if not d.get("period_from"):
        return str(d["description"])
    until = f" {fmt.date(d['period_until'])}" if d.get("period_until") else ""
    return f"{d['description']}: {fmt.date(d['period_from'])} \u2013{until}"


def _listed(names: Iterable[str], w: Translator, labels: dict[str, str] | None = None) -> str:
    return ", ".join(w.gettext(labels[n]) if labels and n in labels else n for n in names)


def _classes(d: Data, _f: Formats, w: Translator) -> str:
    n = abs(int(d.get("classes_delta") or 0))
    if not n:
        return ""
    return " (" + w.ngettext("%(num)d class", "%(num)d classes", n) % {"num": n} + ")"


VALUES: dict[str, Value] = {
    "from": _date("from"),
    "until": _date("until"),
    "from_date": _date("from_date"),
    "until_date": _date("until_date"),
    "due_date": _date("due_date"),
    "due_on": _date("due_on"),
    "paid_on": _date("paid_on"),
    "lesson_date": _date("lesson_date"),
    "amount": _money("amount_minor"),
    "price": _money("price_minor"),
    "balance": _money("balance_minor"),
    "group": _text("group_name"),
    "name": _text("name"),
    "title": _text("title"),
    "reason": _text("reason"),
    "lost_reason": _text("lost_reason"),
    "description": _described,
    "login": _text("login"),
    "email": _text("email"),
    "phone_from": _text("from"),
    "phone_to": _text("to"),
    "mark": _word("status", MARKS),
    "previous_mark": _word("previous_status", MARKS),
    "entry_kind": _word("entry_kind", ENTRY_KINDS),
    "channel": lambda d, _f, _w: CHANNELS.get(str(d.get("channel")), d.get("channel")),
    "source": _word("source", LEAD_SOURCES, keep_others=True),
    "changed": lambda d, _f, w: (
        _listed(sorted(d, key=list(FIELDS).index), w, FIELDS)
        if d and set(d) <= set(FIELDS)
        else None
    ),
    "fields": lambda d, _f, w: _listed(d["fields"], w, FIELDS) if d.get("fields") else None,
    "added": lambda d, _f, _w: ", ".join(d["added"]),
    "removed": lambda d, _f, _w: ", ".join(d["removed"]),
    "classes": _classes,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Line:
    occurred_at: str
    text: str
    lang: str | None = None  # set when the text is in another language than the page


def sentence_of(kind: str, data: Data) -> str | None:
    found = SENTENCES.get(kind)
    if isinstance(found, Choice):
        try:
            return found.options.get(found.pick(data))
        except (TypeError, KeyError):
            return None
    return found


def worded(entry: Data, fmt: Formats, words: Translator) -> Line:
    data = entry.get("data") or {}
    template = sentence_of(str(entry.get("kind")), data)
    if template is not None:
        try:
            values = {
                name: VALUES[name](data, fmt, words) for name in PLACEHOLDER.findall(template)
            }
            if all(v is not None for v in values.values()):
                return Line(entry["occurred_at"], words.gettext(template) % values)
        except (KeyError, TypeError, ValueError):
            pass
    english = fmt.locale != DEFAULT_LOCALE
    return Line(entry["occurred_at"], str(entry.get("summary", "")), "en" if english else None)


def history_lines(request: Request, session: Session, entries: list[Data]) -> list[Line]:
    locale = page_locale(request, session)
    fmt = formats(locale, session)
    words = translator(locale, request.app.state.pages.mark_untranslated)
    return [worded(entry, fmt, words) for entry in entries]
