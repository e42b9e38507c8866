"""Conditional GET (RFC 9110 13.1.2): an answer's entity tag made of its own bytes, and
304 Not Modified for a caller that already holds exactly those bytes.

The tag is computed after the caller's access was checked and from the answer made for
that caller, so a 304 never tells anybody more than the full answer would."""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

from starlette.responses import Response

JSON = "application/json"
# Kept by the caller but asked again every time (the answer changes with every mark).
CACHE_CONTROL = "private, no-cache"
NOT_MODIFIED_DOC: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the If-None-Match header named this answer's ETag."}
}


def entity_tag(body: bytes) -> str:
    return f'"{blake2b(body, digest_size=16).hexdigest()}"'


def none_match(if_none_match: str | None, tag: str) -> bool:
    """True when the If-None-Match header names `tag` (weakly compared) or is `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    for candidate in if_none_match.split(","):
        value = candidate.strip()
        if value.removeprefix("W/") == tag:
            return True
    return False


def tagged(body: bytes, if_none_match: str | None, media_type: str = JSON) -> Response:
    """The answer with its ETag, or 304 with only the tag when the caller holds it."""
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if none_match(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
