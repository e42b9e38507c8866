"""Text forms used for search and comparison."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Case- and width-insensitive form of a text (Unicode NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", value).casefold().strip()


def search_text(first_name: str, last_name: str, email: str | None) -> str:
    """What name search matches: "first last email", folded."""
    parts = [first_name, last_name, email or ""]
    return " ".join(fold(p) for p in parts if p)[:520]


def like_escape(value: str) -> str:
    """Escape LIKE wildcards; use with escape="\\"."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
