"""A journal row's balance and classes left, as two cells: in the grid, and again in the
answer that refreshes them once a mark has moved them (with hx-swap-oob there).

Made here rather than by a template macro: the grid has a row per client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from web_svc.i18n import Formats


def row_summary(
    fmt: Formats,
    row: Mapping[str, Any],
    group_id: object,
    month_param: str,
    finances: bool,
    oob: bool = False,
    moving: bool = False,
) -> Markup:
    client = escape(str(row["client_id"]))
    balance, left = row.get("balance_minor"), row.get("classes_left")
    debt = " debt" if balance is not None and balance < 0 else ""
    swap = ' hx-swap-oob="true"' if oob else ""
    money = escape(fmt.money(balance, row.get("currency"))) if finances else "—"
    query = escape(f"month={month_param}&balance={balance}&classes_left={left}")
    url = f"/app/groups/{escape(str(group_id))}/rows/{client}/summary?{query}"
    trigger = "refresh delay:500ms" + (", load delay:1s" if moving else "")
    shown = escape(str(left)) if left is not None else "—"
    return Markup(
        f'<td id="bal-{client}" class="num{debt}"{swap}>{money}</td>\n'
        f'<td id="left-{client}" class="num" hx-get="{url}" hx-trigger="{trigger}"'
        f' hx-swap="outerHTML" hx-sync="this:replace">{shown}</td>'
    )
