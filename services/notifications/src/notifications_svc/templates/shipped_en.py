"""The shipped templates in English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    subject: str
    body: str


_SIGN = "\n\n{{ school }}"

EN: dict[str, Source] = {
    "payment_due_soon": Source(
        "Payment of {{ amount }} due on {{ due_on }}",
        "Hello {{ first_name }},\n\nthis is a reminder that {{ amount }} is due on {{ due_on }}."
        "\nIf you have already paid, please ignore this letter." + _SIGN,
    ),
    "payment_overdue": Source(
        "Payment of {{ amount }} is overdue",
        "Hello {{ first_name }},\n\nthe payment of {{ amount }} was due on {{ due_on }} and we"
        " have not received it yet. Please pay at your earliest convenience." + _SIGN,
    ),
    "pack_expiring": Source(
        "Your pack {{ pack }} ends on {{ ends_on }}",
        "Hello {{ first_name }},\n\nyour pack {{ pack }} is valid until {{ ends_on }}."
        "{% if classes_left %} You still have {{ classes_left }}"
        ' {{ plural(classes_left, one="class", other="classes") }} left.{% endif %}'
        "\nTalk to us to renew it." + _SIGN,
    ),
    "pack_running_low": Source(
        "{{ classes_left }} {{ plural(classes_left, one='class', other='classes') }} left"
        " in {{ pack }}",
        "Hello {{ first_name }},\n\nonly {{ classes_left }}"
        ' {{ plural(classes_left, one="class", other="classes") }} left in your pack'
        " {{ pack }}. Talk to us to renew it." + _SIGN,
    ),
    "email_confirmation": Source(
        "Confirm your email address",
        "Hello {{ first_name }},\n\nplease confirm this address so that {{ school }} can write"
        " to you:\n\n{{ link }}\n\nThe link is valid until {{ expires_at }}." + _SIGN,
    ),
    "staff_invitation": Source(
        "You are invited to {{ school }}",
        "Hello {{ first_name }},\n\nyou have been invited to {{ school }} as {{ role }}."
        " Set your password here:\n\n{{ link }}\n\nThe link is valid until {{ expires_at }}."
        + _SIGN,
    ),
    "password_reset": Source(
        "Reset your password",
        "Hello {{ first_name }},\n\nsomeone asked to reset your password. If it was you,"
        " choose a new one here:\n\n{{ link }}\n\nThe link is valid until {{ expires_at }}."
        " If it was not you, ignore this letter." + _SIGN,
    ),
    "portal_code": Source(
        "Your code for {{ school }}",
        "Hello,\n\nyour code for {{ school }}'s client portal is {{ code }}.\nIt is valid until"
        " {{ expires_at }}. If you did not ask for it, ignore this letter." + _SIGN,
    ),
    "makeup_expiring": Source(
        "Your make-up class expires on {{ makeup_until }}",
        "Hello {{ first_name }},\n\nyou missed the lesson on {{ lesson_date }} and can still"
        " make it up until {{ makeup_until }}. Book a free seat in the portal or ask us." + _SIGN,
    ),
    "waitlist_seat_offered": Source(
        "A seat is free for you in {{ group }}",
        "Hello {{ first_name }},\n\na seat has come free in {{ group }} and we are holding it for"
        " you, the next on the waitlist. Reply to this letter or call us to take it." + _SIGN,
    ),
    "client_welcome": Source(
        "Welcome to {{ school }}",
        "Hello {{ first_name }},\n\nthank you for confirming your email address. From now on"
        " {{ school }} will send you reminders, receipts and news here." + _SIGN,
    ),
    "lead_created": Source(
        "New lead: {{ lead_name }}",
        "Hello {{ first_name }},\n\na new lead has come in: {{ lead_name }}."
        "{% if lead_phone %}\nPhone: {{ lead_phone }}{% endif %}"
        "{% if lead_email %}\nEmail: {{ lead_email }}{% endif %}"
        "{% if lead_source %}\nSource: {{ lead_source }}{% endif %}"
        "\n\nPlease get in touch with them soon." + _SIGN,
    ),
    "comment_visible": Source(
        "A note from {{ school }}",
        "Hello {{ first_name }},\n\nyour teacher left a note for you:\n\n{{ comment }}" + _SIGN,
    ),
    "subscription_renewed": Source(
        "Your subscription {{ pack }} is renewed",
        "Hello {{ first_name }},\n\nyour subscription {{ pack }} has started a new period,"
        " from {{ period_starts_on }} to {{ period_ends_on }}."
        "{% if classes_issued %} It gives you {{ classes_issued }}"
        ' {{ plural(classes_issued, one="class", other="classes") }}.{% endif %}'
        "\nThe invoice is for {{ amount }}{% if due_on %}, due on {{ due_on }}{% endif %}." + _SIGN,
    ),
}
