"""Idempotency-Key for writes that move money or classes (ARCHITECTURE.md, HTTP conventions).

A key is claimed in the same transaction as the effect it guards:

1. `INSERT ... ON CONFLICT DO NOTHING` a row (scope, key, fingerprint). A concurrent request
   with the same key waits on the unique index until the first one commits or rolls back, so
   two requests with one key are serialised by the database, not by timing.
2. The claimant runs the effect and stores the answer (status and body) in that row; the
   answer commits with the effect or not at all (a failed request leaves no key behind, so
   its retry runs again).
3. A later request with the key finds the row: the same fingerprint (method, path and the
   canonical body) replays the stored answer; another fingerprint is 409.

Each service carries the table in its own database (`idempotency_table(metadata)` in its
models, `create_idempotency_table()` in a migration), like the outbox and inbox.
"""

from crm_platform.idempotency.requests import (
    REPLAYED_HEADER,
    Idempotent,
    KeyHeader,
    RequestKey,
    idempotency_dependency,
    replay,
    request_key,
    request_key_dependency,
)
from crm_platform.idempotency.store import (
    HEADER,
    IDEMPOTENCY,
    MAX_KEY_LENGTH,
    Claim,
    IdempotencyStore,
    KeyRequest,
    SameKeyAs,
    StoredAnswer,
    create_idempotency_table,
    drop_idempotency_table,
    fingerprint,
    idempotency_table,
    pg_claim_sql,
)

__all__ = [
    "HEADER",
    "IDEMPOTENCY",
    "MAX_KEY_LENGTH",
    "REPLAYED_HEADER",
    "Claim",
    "IdempotencyStore",
    "Idempotent",
    "KeyHeader",
    "KeyRequest",
    "RequestKey",
    "SameKeyAs",
    "StoredAnswer",
    "create_idempotency_table",
    "drop_idempotency_table",
    "fingerprint",
    "idempotency_dependency",
    "idempotency_table",
    "pg_claim_sql",
    "replay",
    "request_key",
    "request_key_dependency",
]
