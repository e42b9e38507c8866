"""The policy table's rows: every public route of every context (see policy.py)."""

from __future__ import annotations

from gateway_app.route import Kind, Route
from gateway_app.route import row as _r

CLIENT_FILTER: dict[str, Kind] = {"client_id": "client"}

ID = "/api/v1/identity"
CL = "/api/v1/clients"
BI = "/api/v1/billing"
JO = "/api/v1/journal"
NO = "/api/v1/notifications"
PO = "/portal/v1"
PS = "/api/v1/portal"
OP = "/operator/v1"


def _link(path: str) -> Route:
    """A read-only view through an anonymous personal link, forwarded without its token."""
    return Route("GET", f"{PO}/links/{{token}}/{path}", "portal", "link", forward=f"{PO}/{path}")


ROUTES: tuple[Route, ...] = (
    # sign-in and tokens (identity)
    _r("POST", "/auth/signup", "identity", "public"),
    _r("POST", "/auth/token", "identity", "public"),
    _r("POST", "/auth/portal/token", "identity", "public"),
    _r("POST", "/auth/portal/codes", "identity", "public"),
    _r("POST", "/auth/portal/signup", "identity", "public"),
    _r("POST", "/auth/portal/password-reset", "identity", "public"),
    _r("POST", "/auth/operator/token", "identity", "public"),
    _r("POST", "/auth/refresh", "identity", "public"),
    _r("POST", "/auth/signout", "identity", "public"),
    _r("POST", "/auth/password-reset", "identity", "public"),
    _r("POST", "/auth/password-reset/confirm", "identity", "public"),
    _r("POST", "/auth/invites/accept", "identity", "public"),
    _r("GET", "/auth/jwks", "identity", "public"),
    # identity
    _r("GET", f"{ID}/me", "identity", "staff"),
    _r("GET", f"{ID}/organisation", "identity", "staff"),
    _r("PATCH", f"{ID}/organisation", "identity", "org.manage"),
    _r("GET", f"{ID}/branches", "identity", "staff"),
    _r("POST", f"{ID}/branches", "identity", "org.manage"),
    _r("GET", f"{ID}/branches/{{branch_id}}", "identity", "staff", branch_id="branch"),
    _r("PATCH", f"{ID}/branches/{{branch_id}}", "identity", "org.manage", branch_id="branch"),
    _r("GET", f"{ID}/staff", "identity", "staff.read"),
    _r("POST", f"{ID}/staff", "identity", "org.manage"),
    _r("GET", f"{ID}/staff/{{user_id}}", "identity", "staff.read"),
    _r("PATCH", f"{ID}/staff/{{user_id}}", "identity", "org.manage"),
    _r("PUT", f"{ID}/staff/{{user_id}}/grants", "identity", "org.manage"),
    _r("POST", f"{ID}/staff/{{user_id}}/deactivate", "identity", "org.manage"),
    # clients
    _r("GET", f"{CL}/clients", "clients", "clients.read"),
    _r("POST", f"{CL}/clients", "clients", "clients.write"),
    _r("GET", f"{CL}/clients/{{client_id}}", "clients", "clients.read", client_id="client"),
    _r("PATCH", f"{CL}/clients/{{client_id}}", "clients", "clients.write", client_id="client"),
    _r(
        "POST", f"{CL}/clients/{{client_id}}/freeze", "clients", "clients.write", client_id="client"
    ),
    _r(
        "POST",
        f"{CL}/clients/{{client_id}}/unfreeze",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r(
        "POST",
        f"{CL}/clients/{{client_id}}/archive",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r(
        "POST",
        f"{CL}/clients/{{client_id}}/restore",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r("GET", f"{CL}/clients/{{client_id}}/history", "clients", "clients.read", client_id="client"),
    _r("PUT", f"{CL}/clients/{{client_id}}/tags", "clients", "clients.write", client_id="client"),
    _r("POST", f"{CL}/clients/{{client_id}}/link", "clients", "clients.write", client_id="client"),
    _r(
        "DELETE", f"{CL}/clients/{{client_id}}/link", "clients", "clients.write", client_id="client"
    ),
    _r("GET", f"{CL}/clients/{{client_id}}/family", "clients", "clients.read", client_id="client"),
    _r(
        "POST", f"{CL}/clients/{{client_id}}/family", "clients", "clients.write", client_id="client"
    ),
    _r("GET", f"{CL}/clients/{{client_id}}/tasks", "clients", "clients.read", client_id="client"),
    _r("POST", f"{CL}/clients/{{client_id}}/tasks", "clients", "clients.write", client_id="client"),
    _r("GET", f"{CL}/tags", "clients", "clients.read"),
    _r("POST", f"{CL}/tags", "clients", "clients.write"),
    _r("GET", f"{CL}/leads", "clients", "clients.read"),
    _r("POST", f"{CL}/leads", "clients", "clients.write"),
    _r("POST", f"{CL}/imports", "clients", "clients.write"),
    _r("POST", f"{CL}/imports/file", "clients", "clients.write"),
    _r("POST", f"{CL}/imports/preview", "clients", "clients.write"),
    _r("GET", f"{CL}/export", "clients", "clients.read"),
    _r("GET", f"{CL}/clients/duplicates", "clients", "clients.read"),
    _r("GET", f"{CL}/clients/{{client_id}}/link", "clients", "clients.read", client_id="client"),
    _r(
        "DELETE",
        f"{CL}/clients/{{client_id}}/family",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r(
        "PUT",
        f"{CL}/clients/{{client_id}}/family/payer",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r(
        "PATCH",
        f"{CL}/clients/{{client_id}}/tasks/{{task_id}}",
        "clients",
        "clients.write",
        client_id="client",
    ),
    _r("GET", f"{CL}/tasks", "clients", "clients.read"),
    _r("PATCH", f"{CL}/tags/{{tag_id}}", "clients", "clients.write"),
    _r("DELETE", f"{CL}/tags/{{tag_id}}", "clients", "clients.write"),
    _r("GET", f"{CL}/custom-fields", "clients", "clients.read"),
    _r("POST", f"{CL}/custom-fields", "clients", "clients.write"),
    _r("DELETE", f"{CL}/custom-fields/{{field_id}}", "clients", "clients.write"),
    _r("GET", f"{CL}/leads/{{lead_id}}", "clients", "clients.read"),
    _r("PATCH", f"{CL}/leads/{{lead_id}}", "clients", "clients.write"),
    _r("POST", f"{CL}/leads/{{lead_id}}/convert", "clients", "clients.write"),
    # the link in a client's email-confirmation letter: no sign-in
    _r("POST", f"{CL}/email-confirmations", "clients", "public"),
    # billing
    _r("GET", f"{BI}/catalogue", "billing", "finance.read"),
    _r("POST", f"{BI}/catalogue", "billing", "finance.write"),
    _r("GET", f"{BI}/clients/{{client_id}}/balance", "billing", "finance.read", client_id="client"),
    _r("GET", f"{BI}/clients/{{client_id}}/packs", "billing", "finance.read", client_id="client"),
    _r("POST", f"{BI}/clients/{{client_id}}/packs", "billing", "finance.write", client_id="client"),
    _r("GET", f"{BI}/clients/{{client_id}}/ledger", "billing", "finance.read", client_id="client"),
    _r("GET", f"{BI}/payments", "billing", "finance.read", query=CLIENT_FILTER),
    _r("GET", f"{BI}/invoices", "billing", "finance.read", query=CLIENT_FILTER),
    _r("GET", f"{BI}/reports/monthly", "billing", "finance.read"),
    _r("GET", f"{BI}/reports/packs", "billing", "finance.read", query=CLIENT_FILTER),
    _r("GET", f"{BI}/catalogue/{{service_id}}", "billing", "finance.read"),
    _r("PATCH", f"{BI}/catalogue/{{service_id}}", "billing", "finance.write"),
    _r("GET", f"{BI}/settings", "billing", "finance.read"),
    # owner and admin: the service refuses an accountant (no owner-and-admin permission here)
    _r("PATCH", f"{BI}/settings", "billing", "finance.write"),
    *(
        _r(method, f"{BI}/clients/{{client_id}}{tail}", "billing", perm, client_id="client")
        for method, tail, perm in (
            ("GET", "/packs/{pack_id}", "finance.read"),
            ("PATCH", "/packs/{pack_id}", "finance.write"),
            ("POST", "/packs/{pack_id}/extend", "finance.write"),
            ("POST", "/packs/{pack_id}/bonus", "finance.write"),
            ("POST", "/packs/{pack_id}/freeze", "finance.write"),
            ("POST", "/packs/{pack_id}/unfreeze", "finance.write"),
            ("POST", "/packs/{pack_id}/restore", "finance.write"),
            ("POST", "/packs/{pack_id}/refund", "finance.write"),
            ("POST", "/packs/{pack_id}/transfer", "finance.write"),
            ("POST", "/packs/{pack_id}/visits", "finance.write"),
            ("POST", "/payments", "finance.write"),
            ("POST", "/entries/{entry_id}/cancel", "finance.write"),
            ("GET", "/invoices", "finance.read"),
            ("GET", "/invoices/{invoice_id}", "finance.read"),
            ("POST", "/invoices", "finance.write"),
            ("POST", "/invoices/{invoice_id}/void", "finance.write"),
        )
    ),
    # journal: marks locate their lesson only. The journal checks the client is enrolled (or
    # is making up an absence) in the same transaction, so the teacher of the host group can
    # mark a make-up guest from a group or branch that teacher does not see.
    _r("GET", f"{JO}/groups", "journal", "journal.read"),
    _r("POST", f"{JO}/groups", "journal", "journal.write"),
    _r("GET", f"{JO}/groups/{{group_id}}", "journal", "journal.read", group_id="group"),
    _r("PATCH", f"{JO}/groups/{{group_id}}", "journal", "journal.write", group_id="group"),
    _r("GET", f"{JO}/groups/{{group_id}}/journal", "journal", "journal.read", group_id="group"),
    _r("GET", f"{JO}/groups/{{group_id}}/lessons", "journal", "journal.read", group_id="group"),
    _r("POST", f"{JO}/groups/{{group_id}}/lessons", "journal", "journal.write", group_id="group"),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/lessons/generate",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r("GET", f"{JO}/groups/{{group_id}}/enrolments", "journal", "journal.read", group_id="group"),
    _r(
        "POST", f"{JO}/groups/{{group_id}}/enrolments", "journal", "journal.write", group_id="group"
    ),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/enrolments/{{enrolment_id}}/transfer",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/enrolments/{{enrolment_id}}/archive",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r("GET", f"{JO}/groups/{{group_id}}/waitlist", "journal", "journal.read", group_id="group"),
    _r("POST", f"{JO}/groups/{{group_id}}/waitlist", "journal", "journal.write", group_id="group"),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/waitlist/{{entry_id}}/accept",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/waitlist/{{entry_id}}/offer",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r(
        "POST",
        f"{JO}/groups/{{group_id}}/waitlist/{{entry_id}}/decline",
        "journal",
        "journal.write",
        group_id="group",
    ),
    _r("GET", f"{JO}/groups/{{group_id}}/figures", "journal", "journal.read", group_id="group"),
    _r("GET", f"{JO}/lessons/{{lesson_id}}", "journal", "journal.read", lesson_id="lesson"),
    _r("PATCH", f"{JO}/lessons/{{lesson_id}}", "journal", "journal.write", lesson_id="lesson"),
    _r(
        "POST", f"{JO}/lessons/{{lesson_id}}/cancel", "journal", "journal.write", lesson_id="lesson"
    ),
    _r("GET", f"{JO}/lessons/{{lesson_id}}/marks", "journal", "journal.read", lesson_id="lesson"),
    _r("POST", f"{JO}/lessons/{{lesson_id}}/marks", "journal", "journal.mark", lesson_id="lesson"),
    _r(
        "PUT",
        f"{JO}/lessons/{{lesson_id}}/marks/{{client_id}}",
        "journal",
        "journal.mark",
        lesson_id="lesson",
    ),
    _r(
        "DELETE",
        f"{JO}/lessons/{{lesson_id}}/marks/{{client_id}}",
        "journal",
        "journal.mark",
        lesson_id="lesson",
    ),
    _r(
        "GET",
        f"{JO}/lessons/{{lesson_id}}/marks/{{client_id}}/makeup-seats",
        "journal",
        "journal.read",
        lesson_id="lesson",
    ),
    _r("GET", f"{JO}/makeups", "journal", "journal.read"),
    _r("GET", f"{JO}/comments", "journal", "journal.read"),
    _r("POST", f"{JO}/comments", "journal", "journal.mark"),
    _r("PATCH", f"{JO}/comments/{{comment_id}}", "journal", "journal.mark"),
    _r("GET", f"{JO}/rooms", "journal", "journal.read"),
    _r("POST", f"{JO}/rooms", "journal", "journal.write"),
    _r("PATCH", f"{JO}/rooms/{{room_id}}", "journal", "journal.write"),
    _r("GET", f"{JO}/rooms/{{room_id}}/lessons", "journal", "journal.read"),
    _r("GET", f"{JO}/settings", "journal", "journal.read"),
    _r("PATCH", f"{JO}/settings", "journal", "org.manage"),
    _r("GET", f"{JO}/figures/groups", "journal", "journal.read"),
    _r("GET", f"{JO}/figures/teachers", "journal", "journal.read"),
    _r("GET", f"{JO}/teachers/pay", "journal", "finance.read"),
    _r("GET", f"{JO}/teachers/{{teacher_id}}/rates", "journal", "finance.read"),
    _r("POST", f"{JO}/teachers/{{teacher_id}}/rates", "journal", "org.manage"),
    # notifications
    _r("GET", f"{NO}/templates", "notifications", "notifications.manage"),
    _r("POST", f"{NO}/templates", "notifications", "notifications.manage"),
    _r("POST", f"{NO}/templates/preview", "notifications", "notifications.manage"),
    _r("POST", f"{NO}/templates/test-send", "notifications", "notifications.manage"),
    _r("GET", f"{NO}/triggers", "notifications", "notifications.manage"),
    _r("GET", f"{NO}/settings", "notifications", "notifications.manage"),
    _r("PATCH", f"{NO}/settings", "notifications", "org.manage"),
    _r(
        "GET",
        f"{NO}/clients/{{client_id}}/opt-outs",
        "notifications",
        "clients.read",
        client_id="client",
    ),
    _r(
        "PUT",
        f"{NO}/clients/{{client_id}}/opt-outs",
        "notifications",
        "clients.write",
        client_id="client",
    ),
    _r(
        "GET",
        f"{NO}/clients/{{client_id}}/reach",
        "notifications",
        "clients.read",
        client_id="client",
    ),
    _r(
        "POST",
        f"{NO}/clients/{{client_id}}/telegram-link",
        "notifications",
        "clients.write",
        client_id="client",
    ),
    # Telegram calls the webhook; the service checks its secret token on every call
    _r("POST", f"{NO}/telegram/webhook", "notifications", "public"),
    # broadcasts: teachers too, to the clients of their groups (the service narrows)
    _r("POST", f"{NO}/broadcasts/audience", "notifications", "clients.write"),
    _r("POST", f"{NO}/broadcasts", "notifications", "clients.write"),
    _r("GET", f"{NO}/broadcasts", "notifications", "notifications.manage"),
    _r("GET", f"{NO}/broadcasts/{{broadcast_id}}", "notifications", "clients.write"),
    _r("POST", f"{NO}/broadcasts/{{broadcast_id}}/cancel", "notifications", "clients.write"),
    # the delivery log: the service shows each caller only their clients' messages
    _r("GET", f"{NO}/deliveries", "notifications", "clients.read"),
    _r("GET", f"{NO}/deliveries/{{message_id}}", "notifications", "clients.read"),
    _r("POST", f"{NO}/deliveries/{{message_id}}/resend", "notifications", "notifications.manage"),
    _r("GET", f"{NO}/dev-mailbox", "notifications", "org.manage"),
    # RFC 8058 one-click unsubscribe, POSTed by mail clients without a session
    _r("POST", f"{NO}/unsubscribe/{{token}}", "notifications", "public"),
    # the web front-end: its pages do their own sign-in (a session cookie) and call this
    # gateway's API with the signed-in person's token like any other caller
    *(
        _r(method, path, "web", "public")
        for method in ("GET", "POST")
        for path in ("/", "/app", "/app/{page*}", "/my", "/my/{page*}")
    ),
    _r("GET", "/static/{asset*}", "web", "public"),
    _r("GET", "/favicon.ico", "web", "public"),
    # profile change requests from the portal (clients checks each request's client)
    _r("GET", f"{CL}/profile-requests", "clients", "clients.read"),
    _r("POST", f"{CL}/profile-requests/{{request_id}}/approve", "clients", "clients.write"),
    _r("POST", f"{CL}/profile-requests/{{request_id}}/reject", "clients", "clients.write"),
    _r("GET", f"{CL}/portal-signups", "clients", "clients.read"),
    _r("POST", f"{CL}/portal-signups/{{account_id}}/link", "clients", "clients.write"),
    # client portal
    _link("overview"),
    _link("me"),
    _r("GET", f"{PO}/me", "portal", "portal"),
    _r("GET", f"{PO}/overview", "portal", "portal"),
    _r("GET", f"{PO}/timetable", "portal", "portal"),
    _r("GET", f"{PO}/invoices/{{invoice_id}}", "portal", "portal"),
    _r("GET", f"{PO}/attendance", "portal", "portal"),
    _r("GET", f"{PO}/payments", "portal", "portal"),
    _r("GET", f"{PO}/invoices", "portal", "portal"),
    _r("GET", f"{PO}/messages", "portal", "portal"),
    _r("POST", f"{PO}/messages/read-all", "portal", "portal"),
    _r("POST", f"{PO}/messages/{{message_id}}/read", "portal", "portal"),
    _r("GET", f"{PO}/knowledge", "portal", "portal"),
    _r("GET", f"{PO}/files/{{file_id}}", "portal", "public"),
    # knowledge centre (staff)
    _r("GET", f"{PS}/materials", "portal", "portal.publish"),
    _r("POST", f"{PS}/materials", "portal", "portal.publish"),
    _r("PATCH", f"{PS}/materials/{{material_id}}", "portal", "portal.publish"),
    _r("DELETE", f"{PS}/materials/{{material_id}}", "portal", "portal.publish"),
    Route(
        "POST",
        f"{PS}/materials/{{material_id}}/files",
        "portal",
        "portal.publish",
        max_body_bytes=21 * 1024 * 1024,
    ),
    _r("GET", f"{PO}/profile", "portal", "portal"),
    _r("POST", f"{PO}/profile/requests", "portal", "portal"),
    _r("POST", f"{PO}/contacts/codes", "identity", "portal"),
    _r("POST", f"{PO}/contacts/proofs", "identity", "portal"),
    _r("GET", f"{PO}/makeups", "portal", "portal"),
    _r("GET", f"{PO}/makeups/{{mark_id}}/seats", "portal", "portal"),
    _r("POST", f"{PO}/makeups", "portal", "portal"),
    _r("POST", f"{PO}/makeups/{{request_id}}/cancel", "portal", "portal"),
    # the client's own notification preferences (notifications checks the session's clients)
    _r("GET", f"{PO}/preferences", "notifications", "portal"),
    _r("PUT", f"{PO}/preferences", "notifications", "portal"),
    # the apps' push devices (notifications checks the session's clients)
    _r("GET", f"{PO}/devices", "notifications", "portal"),
    _r("POST", f"{PO}/devices", "notifications", "portal"),
    _r("DELETE", f"{PO}/devices/{{device_id}}", "notifications", "portal"),
    # operators (identity): every organisation's plan, limits and suspension
    _r("GET", f"{OP}/me", "identity", "operator"),
    _r("POST", f"{OP}/operators", "identity", "operator"),
    _r("GET", f"{OP}/organisations", "identity", "operator"),
    _r("GET", f"{OP}/organisations/{{organisation_id}}", "identity", "operator"),
    _r("PUT", f"{OP}/organisations/{{organisation_id}}/plan", "identity", "operator"),
    _r("POST", f"{OP}/organisations/{{organisation_id}}/suspend", "identity", "operator"),
    _r("POST", f"{OP}/organisations/{{organisation_id}}/reactivate", "identity", "operator"),
)
