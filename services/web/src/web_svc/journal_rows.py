"""The journal grid's rows as HTML: the client's heading cell, age, contacts, balance and
classes left (row_summary) and the cells (marks.Cells).

Made here rather than in the template: a month's grid has a row per client, and the
template's lookups and escapes per row were most of the page's render time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from web_svc.i18n import Formats
from web_svc.marks import Cells
from web_svc.row_summary import row_summary

DIALOG = "document.getElementById('row-dialog').showModal()"


class Rows:
    def __init__(
        self,
        gettext: Callable[[str], str],
        fmt: Formats,
        cells: Cells,
        group_id: object,
        month_param: str,
    ) -> None:
        self._fmt = fmt
        self._cells = cells
        self._group_id = group_id
        self._month = month_param
        self._actions_for = Markup(gettext("Actions for %(name)s"))
        self._notes = {
            "left": f'<span class="muted">({escape(gettext("left"))})</span>',
            "guest": f'<span class="muted">({escape(gettext("make-up guest"))})</span>',
        }
        self._comments = escape(gettext("comments"))

    def all(self, rows: Iterable[Mapping[str, Any]], lessons: list[Mapping[str, Any]]) -> Markup:
        columns = self._cells.columns(lessons)
        return Markup("".join(self._row(row, columns) for row in rows))

    def _row(self, row: Mapping[str, Any], columns: list[tuple[str, bool]]) -> str:
        client = escape(str(row["client_id"]))
        state = escape(row["state"])
        actions = f"/app/groups/{escape(str(self._group_id))}/rows/{client}/actions"
        first, last = row.get("first_name") or "", row.get("last_name") or ""
        note = self._notes.get(str(row["state"]), "")
        comments = row.get("comments")
        badge = (
            f'<span class="badge" title="{self._comments}">{escape(comments)}</span>'
            if comments
            else ""
        )
        label = self._actions_for % {"name": f"{first} {last}"}
        age = row.get("age")
        phone, email = row.get("phone"), row.get("email")
        contacts = f'<a href="tel:{escape(phone)}">{escape(phone)}</a>' if phone else ""
        if email:
            contacts += f'<br><a href="mailto:{escape(email)}">{escape(email)}</a>'
        finances = row.get("balance_minor") is not None
        summary = row_summary(self._fmt, row, self._group_id, self._month, finances)
        return (
            f'<tr class="row {state}" id="row-{client}" data-client="{client}"'
            f' data-state="{state}">\n'
            f'  <th scope="row" class="who">\n'
            f'    <a href="/app/clients/{client}">{escape(last)} {escape(first)}</a>\n'
            f"{note}{badge}"
            f'    <button type="button" class="link actions" aria-haspopup="dialog"\n'
            f'      hx-get="{actions}?month={escape(self._month)}"\n'
            f'      hx-target="#dialog-body" hx-on::after-request="{DIALOG}"\n'
            f'      aria-label="{label}">⋯</button>\n'
            f"  </th>\n"
            f'  <td class="num">{escape(age) if age is not None else ""}</td>\n'
            f'  <td class="contacts">{contacts}</td>\n'
            f"  {summary}\n"
            f"  {self._cells.row_of(row['cells'], columns)}\n"
            f"</tr>\n"
        )
