"""Path parameters of the policy table's rows (routes.py) that the gateway does not locate,
and why that is safe: the service finds the id within the caller's organisation and scope
(or, for the portal, among the caller's own client's records) and answers 404 otherwise,
exactly as for an id that does not exist. tests-e2e/test_policy_agreement.py holds every
row's parameters to these."""

from __future__ import annotations

UNLOCATED: dict[str, str] = {
    "user_id": "organisation-wide: staff, found by identity within the caller's scope",
    "tag_id": "organisation-wide: a tag of the caller's organisation",
    "field_id": "organisation-wide: a custom field of the caller's organisation",
    "lead_id": "organisation-wide: a lead, found by clients within the caller's branches",
    "service_id": "organisation-wide: a catalogue service of the caller's organisation",
    "comment_id": "organisation-wide: found by the journal within the caller's groups",
    "room_id": "organisation-wide: found by the journal within the caller's branches",
    "teacher_id": "organisation-wide: found by the journal among the caller's staff in scope",
    "message_id": "organisation-wide: a delivery of the caller's organisation",
    "material_id": "organisation-wide: a knowledge-centre material the caller publishes",
    "organisation_id": "operators only: every organisation is theirs",
    "file_id": "public: the signed link in the query is the credential",
    "token": "public: the token itself is the credential",
    "mark_id": "portal: an absence of the caller's own client",
    "device_id": "portal: a push device of a client the session acts for (notifications checks)",
    "request_id": "a request of the caller's own client (portal) or organisation (staff)",
    "broadcast_id": "organisation-wide: a broadcast of the caller's organisation",
    "account_id": "organisation-wide: a portal sign-up waiting in the caller's organisation; "
    "clients checks the card it is linked to against the caller's scope",
    "page": "web pages: the web service calls the API with the caller's token",
    "asset": "web static files",
}
# Ids found under a located parent (the service looks them up within it): a pack, entry,
# invoice or task of the located client; an enrolment or waiting-list entry of the located
# group; a client's mark in the located lesson. On portal routes the parent is the caller's
# own client.
WITHIN_PARENT = frozenset(
    {"task_id", "pack_id", "entry_id", "invoice_id", "enrolment_id", "client_id"}
)
