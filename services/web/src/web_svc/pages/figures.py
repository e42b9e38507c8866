"""The figures page (dashboard): the month's revenue, money received and debts against the
earlier months, by branch, group, teacher and service; group fill rate and average
attendance; teacher pay for a period. Charts are drawn from a JSON island by
static/figures.js, and every chart's figures are in a table beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Request, Response

from web_svc.deps import StaffDep, csrf_guard
from web_svc.gateway import items
from web_svc.i18n import Formats
from web_svc.pages.figures_breakdown import CHART_ROWS, breakdowns, major, name_of, short_month
from web_svc.pages.figures_data import Fetched, add_months, fetch, month_last
from web_svc.render import formats, page_locale, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])


def _month(value: str | None, today: dt.date) -> dt.date | None:
    if not value:
        return today.replace(day=1)
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        return None


def _day(value: str | None, default: dt.date) -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.get("/app/figures")
async def figures(
    request: Request,
    caller: StaffDep,
    month: str | None = None,
    pay_from: str | None = None,
    pay_until: str | None = None,
) -> Response:
    _ = words_for(request)
    fmt = formats(page_locale(request, caller.session), caller.session)
    errors: list[str] = []
    chosen = _month(month, fmt.today())
    if chosen is None:
        errors.append(_("Month") + ": " + _("enter a month as YYYY-MM."))
        chosen = fmt.today().replace(day=1)
    start = _day(pay_from, chosen)
    until = _day(pay_until, month_last(chosen))
    if start is None or until is None:
        errors.append(_("Pay for a period") + ": " + _("enter dates as YYYY-MM-DD."))
        start, until = chosen, month_last(chosen)
    if until < start:
        errors.append(_("Pay for a period") + ": " + _("the end is before the start."))
        start, until = chosen, month_last(chosen)
    fetched = await fetch(caller, chosen, start, until)
    charts: list[dict[str, Any]] = []
    view = {
        "month": chosen,
        "month_param": f"{chosen:%Y-%m}",
        "previous": f"{add_months(chosen, -1):%Y-%m}",
        "before_month": add_months(chosen, -1),
        "short_month": lambda value: short_month(value, fmt),
        "next": f"{add_months(chosen, 1):%Y-%m}",
        "pay_from": start,
        "pay_until": until,
        "errors": errors,
        # billing breaks a branch-scoped caller's month down by branch only
        "branch_scoped": caller.role != "owner",
        "problems": _problems(fetched),
        "summary": _summary(fetched),
        "history": _history(fetched, fmt, charts, _),
        "breakdowns": breakdowns(fetched, fmt, charts, _, request.query_params),
        "groups": _groups(fetched, charts, _),
        "pay": _pay(fetched, fmt, charts, _),
        "percent": lambda value: "—" if value is None else format_percent(value, locale=fmt.locale),
        "chart_data": {
            "locale": fmt.locale,
            "currency": fmt.currency,
            "charts": charts,
        },
    }
    return render(request, "app/figures.html", view, status_code=400 if errors else 200)


def _problems(fetched: Fetched) -> list[str]:
    outcomes = [fetched.monthly, fetched.groups, *fetched.by_month]
    return sorted({o.problem for o in outcomes if o.problem})


def _summary(fetched: Fetched) -> dict[str, Any] | None:
    report = fetched.monthly.data
    if report is None:
        return None
    earlier = report.get("earlier") or []
    before = dict(earlier[0]) if earlier else None
    if before is not None:
        before["month"] = dt.date.fromisoformat(before["month"])
    return {"report": report, "before": before}


def _history(
    fetched: Fetched, fmt: Formats, charts: list[dict[str, Any]], _: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The chosen month and the earlier ones, oldest first."""
    report = fetched.monthly.data
    if report is None:
        return []
    rows = [
        {
            "month": dt.date.fromisoformat(m["month"]),
            "revenue": m["revenue_minor"],
            "received": m["received_minor"],
            "debt": m["debt_minor"],
            "clients_in_debt": m["clients_in_debt"],
        }
        for m in reversed(report.get("earlier") or [])
    ]
    rows.append(
        {
            "month": dt.date.fromisoformat(report["month"]),
            "revenue": report["revenue_minor"],
            "received": report["received_minor"],
            "debt": report["month_end_debt_minor"],
            "clients_in_debt": report["month_end_clients_in_debt"],
        }
    )
    charts.append(
        {
            "id": "chart-months",
            "kind": "money",
            "labels": [short_month(r["month"], fmt) for r in rows],
            "datasets": [
                {
                    "label": _("Revenue"),
                    "tone": "revenue",
                    "data": [major(r["revenue"], fmt) for r in rows],
                },
                {
                    "label": _("Money received"),
                    "tone": "received",
                    "data": [major(r["received"], fmt) for r in rows],
                },
                {
                    "label": _("Debts at the month's end"),
                    "tone": "debt",
                    "data": [major(r["debt"], fmt) for r in rows],
                    "line": True,
                },
            ],
        }
    )
    return rows


def _groups(
    fetched: Fetched, charts: list[dict[str, Any]], _: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The groups the caller sees, least filled first (the journal's order)."""
    rows = list(items(fetched.groups.data))
    for row in rows:
        row["branch"] = fetched.names["branch"].get(str(row["branch_id"]), "")
    with_fill = [r for r in rows if r.get("fill_rate") is not None][:CHART_ROWS]
    if with_fill:
        charts.append(
            {
                "id": "chart-groups",
                "kind": "percent",
                "horizontal": True,
                "labels": [r["name"] for r in with_fill],
                "datasets": [
                    {"label": _("Fill rate"), "data": [r["fill_rate"] for r in with_fill]}
                ],
            }
        )
    return rows


def _pay(
    fetched: Fetched, fmt: Formats, charts: list[dict[str, Any]], _: Callable[[str], str]
) -> dict[str, Any]:
    outcome = fetched.pay
    rows = [
        {**row, "name": name_of("teacher", str(row["teacher_id"]), fetched, _)}
        for row in items(outcome.data)
    ]
    rows.sort(key=lambda r: r["name"])
    if rows and fetched.pay_with_money:
        charts.append(
            {
                "id": "chart-pay",
                "kind": "money",
                "horizontal": True,
                "labels": [r["name"] for r in rows[:CHART_ROWS]],
                "datasets": [
                    {
                        "label": _("Pay"),
                        "data": [major(r["amount_minor"], fmt) for r in rows[:CHART_ROWS]],
                    }
                ],
            }
        )
    return {
        "rows": rows,
        "money": fetched.pay_with_money,
        "problem": outcome.problem,
        "refused": outcome.refused,
        "total": sum(r.get("amount_minor", 0) for r in rows),
    }
