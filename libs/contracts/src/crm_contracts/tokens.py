"""What identity's access tokens carry, as the gateway reads them."""

from __future__ import annotations

from typing import Final, Literal

ALGORITHM: Final = "Ed25519"
ISSUER: Final = "crm-identity"

# Three realms whose tokens are never accepted in place of each other: staff of an
# organisation, its clients (portal), and operators who run the system for every organisation.
Realm = Literal["staff", "portal", "operator"]
REALMS: Final = ("staff", "portal", "operator")
AUDIENCE: Final[dict[str, str]] = {
    "staff": "crm-staff",
    "portal": "crm-portal",
    "operator": "crm-operator",
}
TOKEN_TYPE: Final[dict[str, str]] = {
    "staff": "staff-at+jwt",
    "portal": "portal-at+jwt",
    "operator": "operator-at+jwt",
}

STAFF_ROLES: Final = ("owner", "admin", "teacher", "accountant")
JWKS_PATH: Final = "/auth/jwks"
