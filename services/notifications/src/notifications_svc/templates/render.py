"""Templates rendered in a sandboxed Jinja environment: a template reaches only the variables
its trigger declares and the `plural` helper, never Python attributes or the file system.

`problems()` is what saving a template checks: a syntax error or a variable the trigger does
not declare is named, with its line."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

HELPERS = frozenset({"plural"})
_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@functools.lru_cache(maxsize=64)
def plural_for(locale: str) -> Callable[..., str]:
    """plural(n, one=..., few=..., many=..., other=...): the form `n` takes in `locale`
    (CLDR rules through Babel: Polish, Russian and Ukrainian have one, few and many)."""
    try:
        rule = Locale.parse(locale).plural_form
    except (UnknownLocaleError, ValueError):
        rule = Locale.parse("en").plural_form

    def plural(n: Any, **forms: str) -> str:
        form = rule(abs(int(n)))
        return forms.get(form) or forms.get("other") or forms.get("many") or ""

    return plural


def problems(source: str, allowed: frozenset[str]) -> list[str]:
    """What is wrong with a template's source: its syntax, or variables nobody provides."""
    try:
        tree = _env.parse(source)
    except TemplateSyntaxError as exc:
        return [f"syntax error on line {exc.lineno}: {exc.message}"]
    unknown = meta.find_undeclared_variables(tree) - allowed - HELPERS
    found = [f"unknown variable '{name}'" for name in sorted(unknown)]
    # attribute access on our plain values is never needed; refuse it up front
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        found.append(f"line {node.lineno}: attributes and items cannot be used")
        break
    return found


@functools.lru_cache(maxsize=512)
def compiled(source: str) -> Template:
    """A template's source compiled once, not for every letter of a broadcast (compiling
    cost more than rendering); a compiled template holds no state between renders."""
    return _env.from_string(source)


def render_text(source: str, variables: dict[str, Any], locale: str) -> str:
    return compiled(source).render(**variables, plural=plural_for(locale))


def as_html(text: str) -> str:
    """The HTML part of a letter: its text, escaped, in paragraphs, with links clickable."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    body = "\n".join(paragraphs)
    return (
        '<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n'
        f"{body}\n</body></html>\n"
    )


def render(subject: str, body: str, variables: dict[str, Any], locale: str) -> Rendered:
    text = render_text(body, variables, locale)
    return Rendered(
        subject=" ".join(render_text(subject, variables, locale).split()),
        text=text,
        html=as_html(text),
    )
