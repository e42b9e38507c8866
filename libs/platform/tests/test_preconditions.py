"""If-Match names a version: anything else is a 422 naming the header, never a 500."""

from __future__ import annotations

import pytest

from crm_platform.errors import ProblemError
from crm_platform.preconditions import required_version, version_of


@pytest.mark.parametrize(("header", "version"), [('"3"', 3), ('W/"3"', 3), ("3", 3), (None, None)])
def test_a_version_is_read_in_each_spelling(header: str | None, version: int | None) -> None:
    assert version_of(header) == version


@pytest.mark.parametrize(
    "header",
    ["9" * 5_000, "9" * 19, "²", "٣", '"-1"', '"1.0"', '""', "*", " "],
    ids=[
        "5000-digits",
        "19-digits",
        "superscript",
        "arabic-digit",
        "negative",
        "decimal",
        "empty",
        "star",
        "blank",
    ],
)
def test_anything_else_is_422_naming_the_header(header: str) -> None:
    with pytest.raises(ProblemError) as refused:
        version_of(header)
    assert refused.value.status == 422
    assert refused.value.errors == [
        {"field": "If-Match", "in": "header", "message": "not a version"}
    ]


def test_a_missing_header_is_428() -> None:
    with pytest.raises(ProblemError) as refused:
        required_version(None)
    assert refused.value.status == 428
