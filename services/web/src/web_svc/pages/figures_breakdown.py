"""The figures page's breakdowns by branch, group, teacher and service: each row's revenue,
money received and (by branch: billing keeps debt by the clients' home branch only) debts at
the month's end, for the chosen month against the previous one, and every month shown for
the measure chosen per breakdown (`<dimension>_measure` in the query, links that work
without JS). All from each month's report the page already reads: no call per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import get_currency_precision

from web_svc.i18n import Formats
from web_svc.pages.figures_data import Fetched
from web_svc.render import N_

CHART_ROWS = 12  # a breakdown's chart shows its biggest rows; its tables show them all
DIMENSIONS = (
    ("branch", N_("By branch")),
    ("group", N_("By group")),
    ("teacher", N_("By teacher")),
    ("service", N_("By service")),
)
MEASURES = (
    ("revenue", N_("Revenue"), "revenue_minor"),
    ("received", N_("Money received"), "received_minor"),
    ("debt", N_("Debts at the month's end"), "debt_minor"),
)
KEPT = ("month", "pay_from", "pay_until", *(f"{d}_measure" for d, _t in DIMENSIONS))


def major(minor: int, fmt: Formats) -> float:
    try:
        digits = int(get_currency_precision(fmt.currency))
    except ValueError:
        digits = 0
    return round(minor / 10.0**digits, digits)


def short_month(value: dt.date, fmt: Formats) -> str:
    return str(format_date(value, "LLL y", locale=fmt.locale))


def name_of(dimension: str, row_id: str | None, fetched: Fetched, _: Callable[[str], str]) -> str:
    if row_id is None:
        return _("Not attributed")
    found = fetched.names.get(dimension, {}).get(row_id)
    return found or _("Unnamed") + " " + row_id[:8]


def _rows(
    fetched: Fetched, dimension: str, _: Callable[[str], str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each row's figures per measure and month (oldest first), and the measures billing
    gives for this dimension."""
    count = len(fetched.months)
    rows: dict[str | None, dict[str, Any]] = {}
    measures = {"revenue", "received"}
    for n, outcome in enumerate(fetched.by_month):
        for figure in (outcome.data or {}).get(f"by_{dimension}", []):
            key = figure.get("id")
            row = rows.setdefault(
                key,
                {
                    "name": name_of(dimension, key, fetched, _),
                    **{measure: [0] * count for measure, _l, _f in MEASURES},
                },
            )
            for measure, _label, field in MEASURES:
                if field in figure:
                    measures.add(measure)
                    row[measure][n] = figure[field]
    return list(rows.values()), [m for m, _l, _f in MEASURES if m in measures]


def _link(query: Mapping[str, str], dimension: str, measure: str) -> str:
    kept = {k: v for k, v in query.items() if k in KEPT and v}
    kept[f"{dimension}_measure"] = measure
    return "?" + urlencode(kept) + f"#{dimension}-title"


def breakdowns(
    fetched: Fetched,
    fmt: Formats,
    charts: list[dict[str, Any]],
    _: Callable[[str], str],
    query: Mapping[str, str],
) -> list[dict[str, Any]]:
    if not fetched.finance:
        return []
    labels = {m: label for m, label, _f in MEASURES}
    out = []
    for dimension, title in DIMENSIONS:
        rows, measures = _rows(fetched, dimension, _)
        asked = query.get(f"{dimension}_measure", "")
        measure = asked if asked in measures else "revenue"
        rows.sort(key=lambda r: (-r[measure][-1], r["name"]))
        chart_id = f"chart-{dimension}"
        shown = rows[:CHART_ROWS]
        if shown:
            label = _(labels[measure])
            charts.append(
                {
                    "id": chart_id,
                    "kind": "money",
                    "horizontal": True,
                    "labels": [r["name"] for r in shown],
                    "datasets": [
                        {
                            "label": label + ", " + short_month(fetched.months[-2], fmt),
                            "tone": "past",
                            "data": [major(r[measure][-2], fmt) for r in shown],
                        },
                        {
                            "label": label + ", " + short_month(fetched.months[-1], fmt),
                            "tone": measure,
                            "data": [major(r[measure][-1], fmt) for r in shown],
                        },
                    ],
                }
            )
        out.append(
            {
                "key": dimension,
                "title": title,
                "rows": rows,
                "measures": [
                    {"key": m, "label": labels[m], "href": _link(query, dimension, m)}
                    for m in measures
                ],
                "measure": measure,
                "measure_label": labels[measure],
                "chart_id": chart_id,
                "chart_rows": len(shown),
            }
        )
    return out
