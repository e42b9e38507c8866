"""What identity's access tokens carry, as the gateway reads them."""

from __future__ import annotations

from typing import Final, Literal

ALGORITHM: Final = "Ed25519"
ISSUER: Final = "crm-identity"

Realm = Literal["staff", "portal"]
AUDIENCE: Final[dict[str, str]] = {"staff": "crm-staff", "portal": "crm-portal"}
TOKEN_TYPE: Final[dict[str, str]] = {"staff": "staff-at+jwt", "portal": "portal-at+jwt"}

STAFF_ROLES: Final = ("owner", "admin", "teacher", "accountant")
JWKS_PATH: Final = "/auth/jwks"
