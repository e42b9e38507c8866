"""The overview's statements (PostgreSQL) find the same rows as their queries one by one (the
embedded default's way): packs of every kind, lessons in and out of enrolments, make-ups,
credits used or not, invoices and messages in every state, for every client of a family on
several days; the caller's family (access.py) and the organisation's version and time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal_svc.overview import cache_repository as cache
from portal_svc.overview.repository import Everything, OverviewRepository
from portal_svc.repository import Shared

from crm_contracts.events import clients as c

from .conftest import TODAY, Api, Org

T = datetime(2026, 3, 1, tzinfo=UTC)


def _insert(api: Api, table: str, **row: Any) -> uuid.UUID:
    if table not in ("rm_pack_members", "rm_enrolments"):
        row.setdefault("state_at", T)
    names = ", ".join(row)
    places = ", ".join(f"${n}" for n in range(1, len(row) + 1))
    api.sql(f"INSERT INTO {table} ({names}) VALUES ({places})", *row.values())
    return next(iter(row.values()))  # type: ignore[no-any-return]


def _rich(api: Api, org: Org) -> None:
    t, kid, sister, parent = org.tenant, org.child, org.other_child, org.parent
    pack = dict(kind="pack", classes_total=8, classes_left=3, starts_on=date(2026, 2, 1))
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        name="own",
        ends_on=date(2026, 4, 30),
        status="active",
        shared=False,
        **pack,
    )
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        name="open-ended",
        ends_on=None,
        status="active",
        shared=False,
        **pack,
    )
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        name="ended",
        ends_on=date(2026, 3, 1),
        status="active",
        shared=False,
        **pack,
    )
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        name="frozen",
        ends_on=None,
        status="frozen",
        shared=False,
        **pack,
    )
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=parent,
        name="family",
        ends_on=date(2026, 3, 20),
        status="active",
        shared=True,
        **pack,
    )
    _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=parent,
        name="mine",
        ends_on=None,
        status="active",
        shared=False,
        **pack,
    )
    named = _insert(
        api,
        "rm_packs",
        pack_id=uuid.uuid4(),
        tenant_id=t,
        client_id=uuid.uuid4(),
        name="by name",
        ends_on=None,
        status="active",
        shared=False,
        **pack,
    )
    _insert(api, "rm_pack_members", pack_id=named, client_id=sister, tenant_id=t)

    group, other = org.group, uuid.uuid4()
    _insert(
        api,
        "rm_groups",
        group_id=other,
        tenant_id=t,
        branch_id=org.branch,
        name="Violin",
        archived=False,
    )
    _insert(
        api,
        "rm_enrolments",
        enrolment_id=uuid.uuid4(),
        tenant_id=t,
        group_id=other,
        branch_id=org.branch,
        client_id=sister,
        from_date=date(2026, 3, 10),
        until_date=date(2026, 3, 24),
        ended=False,
    )
    lessons = {}
    for n in range(10):
        for g, at in ((group, "17:00"), (other, "09:30")):
            day = TODAY + timedelta(days=3 * n - 6)
            lessons[g, n] = _insert(
                api,
                "rm_lessons",
                lesson_id=uuid.uuid4(),
                tenant_id=t,
                group_id=g,
                branch_id=org.branch,
                lesson_date=day,
                starts_at=at,
                duration_minutes=45,
                cancelled=n == 4,
            )
    absent = _insert(
        api,
        "rm_marks",
        mark_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        lesson_id=lessons[group, 0],
        group_id=group,
        lesson_date=TODAY,
        status="excused",
        makeup_until=TODAY + timedelta(days=20),
        removed=False,
    )
    _insert(
        api,
        "rm_marks",
        mark_id=uuid.uuid4(),
        tenant_id=t,
        client_id=kid,
        lesson_id=lessons[other, 5],
        group_id=other,
        lesson_date=TODAY + timedelta(days=9),
        status="planned",
        makeup_of=absent,
        removed=False,
    )
    for used in (False, True):
        credit = _insert(
            api,
            "rm_marks",
            mark_id=uuid.uuid4(),
            tenant_id=t,
            client_id=sister,
            lesson_id=lessons[group, 1],
            group_id=group,
            lesson_date=TODAY,
            status="excused",
            makeup_until=TODAY + timedelta(days=5),
            removed=False,
        )
        if used:
            _insert(
                api,
                "rm_marks",
                mark_id=uuid.uuid4(),
                tenant_id=t,
                client_id=sister,
                lesson_id=lessons[other, 6],
                group_id=other,
                lesson_date=TODAY,
                status="makeup_attended",
                makeup_of=credit,
                removed=False,
            )
    for status, due in (("open", 20), ("open", 10), ("paid", 5), ("cancelled", 1)):
        _insert(
            api,
            "rm_invoices",
            invoice_id=uuid.uuid4(),
            tenant_id=t,
            client_id=kid,
            pack_id=None,
            description=status,
            amount_minor=9_000,
            paid_minor=1_000,
            currency="PLN",
            due_on=TODAY + timedelta(days=due),
            status=status,
            issued_at=T,
        )
    for read in (False, True, False):
        message = uuid.uuid4()
        api.sql(
            "INSERT INTO rm_messages (message_id, tenant_id, client_id, category, channel, text,"
            " sent_at) VALUES ($1, $2, $3, 'news', 'email', 'hello', $4)",
            message,
            t,
            kid,
            T,
        )
        if read:
            api.sql("INSERT INTO message_reads VALUES ($1, $2, $3)", message, t, T)


def _both(api: Api, org: Org, client: uuid.UUID, day: date) -> tuple[Everything, Everything]:
    family = [org.parent, org.child, org.other_child]

    async def ask() -> tuple[Everything, Everything]:
        async with api.client.app.state.database.unit_of_work() as session:  # type: ignore[attr-defined]
            repo = OverviewRepository(session)
            one = await repo.everything(org.tenant, client, family, day)
            each = await repo._one_by_one(org.tenant, client, family, day)
            return one, each

    return api.client.portal.call(ask)  # type: ignore[union-attr]


def test_one_statement_finds_what_the_queries_find_one_by_one(api: Api, org: Org) -> None:
    _rich(api, org)
    seen = set()
    for client in (org.child, org.other_child, org.parent, uuid.uuid4()):
        for day in (TODAY - timedelta(days=10), TODAY, TODAY + timedelta(days=14)):
            one, each = _both(api, org, client, day)
            assert one == each, (client, day)
            seen |= {name for name, rows in vars(one).items() if rows}
    assert seen == set(vars(one))  # every part was found filled somewhere
    one, _ = _both(api, org, org.child, TODAY)
    assert [p.name for p in one.packs] == ["family", "own", "open-ended"]
    assert len(one.next_lessons) == 5
    assert [lesson.group_name for lesson in one.planned_makeups] == ["Violin"]
    assert [i.description for i in one.open_invoices] == ["open", "open"]
    assert one.open_invoices[0].due_on < one.open_invoices[1].due_on
    assert one.unread_messages == 2
    sister, _ = _both(api, org, org.other_child, TODAY + timedelta(days=14))
    # Her enrolment's window only (from the 10th to the 24th), the family's pack and her own.
    assert [lesson.lesson_date.day for lesson in sister.next_lessons] == [17, 20, 23]
    assert [p.name for p in sister.packs] == ["family", "by name"]
    assert len(sister.makeup_credits) == 0  # the open credit ended, the other was used


def test_the_scopes_and_heads_statements_find_what_the_queries_find(api: Api, org: Org) -> None:
    stranger = Org()
    api.deliver(stranger, *stranger.basics())
    loner = uuid.uuid4()
    api.deliver(org, org.card(loner, "Ewa", family_id=None), c.ClientArchived(client_id=org.child))
    asked = [org.parent, org.child, org.other_child, stranger.child, loner, uuid.uuid4()]
    tenants = [org.tenant, stranger.tenant, uuid.uuid4()]

    async def ask() -> tuple[Any, ...]:
        async with api.client.app.state.database.unit_of_work() as session:  # type: ignore[attr-defined]
            repo = Shared(session)
            return (
                await repo.linked(org.tenant, asked),
                await repo._linked_one_by_one(org.tenant, asked),
                await cache.read_heads(session, tenants),
                await cache._heads_one_by_one(session, tenants),
            )

    linked, each, heads, heads_each = api.client.portal.call(ask)  # type: ignore[union-attr]
    assert linked == each
    assert set(linked) == set(asked[:5])
    assert [m for m, _ in linked[org.parent].members] == [org.parent, org.child, org.other_child]
    assert dict(linked[org.parent].members)[org.child] == "archived"
    assert linked[loner].family_id is None
    assert linked[loner].members == []
    assert linked[stranger.child].tenant_id == stranger.tenant
    assert linked[stranger.child].members == []  # its family is in another organisation
    assert heads == [heads_each[t] for t in tenants]
    assert heads[0].time_zone == "Europe/Warsaw"
    assert heads[0].version > 0
    assert heads[2] == cache.Head(0, "UTC")
