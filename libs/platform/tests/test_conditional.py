"""An answer's tag is its bytes'; If-None-Match naming it (strongly or weakly, in a list, or
`*`) gets 304 with the tag and no body; anything else gets the answer."""

from __future__ import annotations

from crm_platform.conditional import entity_tag, none_match, tagged


def test_the_tag_follows_the_bytes() -> None:
    assert entity_tag(b'{"a":1}') == entity_tag(b'{"a":1}')
    assert entity_tag(b'{"a":1}') != entity_tag(b'{"a":2}')
    assert entity_tag(b"").startswith('"')
    assert entity_tag(b"").endswith('"')


def test_if_none_match_in_its_written_forms() -> None:
    tag = entity_tag(b"x")
    assert none_match(tag, tag)
    assert none_match(f"W/{tag}", tag)
    assert none_match(f'"other", {tag}', tag)
    assert none_match(" * ", tag)
    assert not none_match(None, tag)
    assert not none_match("", tag)
    assert not none_match('"other"', tag)
    assert not none_match(tag.strip('"'), tag)  # unquoted is another tag


def test_tagged_answers_304_only_to_a_holder() -> None:
    body = b'{"rows":[]}'
    whole = tagged(body, None)
    assert (whole.status_code, whole.body) == (200, body)
    assert whole.headers["etag"] == entity_tag(body)
    assert whole.headers["cache-control"] == "private, no-cache"
    held = tagged(body, entity_tag(body))
    assert (held.status_code, held.body, held.headers["etag"]) == (304, b"", entity_tag(body))
    assert tagged(body, entity_tag(b"older")).status_code == 200
