"""The one scope rule every service and the gateway use."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Column, MetaData, String, Table, Uuid, create_engine, select
from sqlalchemy.dialects import postgresql

from crm_platform.app import create_service_app
from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal, require_role
from crm_platform.scope import Place, Scope
from crm_platform.settings import ServiceSettings
from crm_platform.testing import fresh_database

TENANT = uuid.uuid4()
B1, B2, G1, G2 = (uuid.uuid4() for _ in range(4))
IN_G1 = Place(TENANT, frozenset({B1}), frozenset({G1}))


def caller(role: str, branches: set[uuid.UUID] = set(), groups: set[uuid.UUID] = set(), **kw):  # noqa: B006
    return Principal(
        tenant_id=kw.get("tenant", TENANT),
        subject="u",
        realm=kw.get("realm", "staff"),
        role=role,
        all_branches=role == "owner",
        branch_ids=frozenset(branches),
        group_ids=frozenset(groups),
    )


def test_who_sees_what() -> None:
    assert Scope.of(caller("owner")).sees(IN_G1)
    assert not Scope.of(caller("owner", tenant=uuid.uuid4())).sees(IN_G1)
    assert Scope.of(caller("admin", {B1})).sees(IN_G1)
    assert not Scope.of(caller("admin", {B2})).sees(IN_G1)
    assert Scope.of(caller("teacher", groups={G1})).sees(IN_G1)
    assert not Scope.of(caller("teacher", groups={G2})).sees(IN_G1)
    # group grants count for teachers only
    assert not Scope.of(caller("accountant", groups={G1})).sees(IN_G1)
    assert not Scope.of(caller("admin", groups={G1})).sees(IN_G1)


def test_callers_who_are_not_staff_get_404_and_body_ids_answer_as_unknown() -> None:
    for realm in ("portal", "anonymous", "system"):
        with pytest.raises(NotFoundError):
            Scope.of(caller("owner", realm=realm))
    admin = Scope.of(caller("admin", {B1}))
    assert admin.require("client", IN_G1) == IN_G1
    with pytest.raises(NotFoundError) as unknown:
        admin.require("client", None)
    with pytest.raises(NotFoundError) as hidden:
        admin.require("client", Place(TENANT, frozenset({B2})))
    assert unknown.value.detail == hidden.value.detail


def test_the_sql_condition_follows_the_same_rule() -> None:
    rows = Table(
        "rows",
        MetaData(),
        Column("name", String),
        Column("tenant_id", Uuid),
        Column("branch_id", Uuid),
        Column("group_id", Uuid),
    )
    engine = create_engine("sqlite://")
    rows.metadata.create_all(engine)
    other = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            rows.insert(),
            [
                {"name": "g1", "tenant_id": TENANT, "branch_id": B1, "group_id": G1},
                {"name": "g2", "tenant_id": TENANT, "branch_id": B2, "group_id": G2},
                {"name": "elsewhere", "tenant_id": other, "branch_id": B1, "group_id": G1},
            ],
        )

    def seen(principal: Principal) -> set[str]:
        condition = Scope.of(principal).where(rows.c.tenant_id, rows.c.branch_id, rows.c.group_id)
        with engine.connect() as conn:
            return set(conn.execute(select(rows.c.name).where(condition)).scalars())

    assert seen(caller("owner")) == {"g1", "g2"}
    assert seen(caller("admin", {B1})) == {"g1"}
    assert seen(caller("teacher", groups={G2})) == {"g2"}
    assert seen(caller("teacher", {B1}, {G2})) == {"g1", "g2"}
    assert seen(caller("accountant", groups={G1})) == set()
    assert seen(caller("admin")) == set()


def test_the_postgresql_text_condition_sees_what_the_sql_condition_sees() -> None:
    rows = Table(
        "rows",
        MetaData(),
        Column("name", String),
        Column("tenant_id", Uuid),
        Column("branch_id", Uuid),
        Column("group_id", Uuid),
    )

    async def seen_both(principal: Principal, conn: asyncpg.Connection) -> tuple[set[str], ...]:
        scope = Scope.of(principal)
        text = scope.pg_condition("tenant_id", "branch_id", "group_id", 1)
        by_text = await conn.fetch(f"SELECT name FROM rows WHERE {text.text}", *text.values)
        where = scope.where(rows.c.tenant_id, rows.c.branch_id, rows.c.group_id)
        query = (
            select(rows.c.name)
            .where(where)
            .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )
        by_condition = await conn.fetch(str(query))
        return {r[0] for r in by_text}, {r[0] for r in by_condition}

    async def seen(callers: list[Principal]) -> list[tuple[set[str], ...]]:
        async with fresh_database("scope") as url:
            conn = await asyncpg.connect(url.replace("+asyncpg", ""))
            try:
                await conn.execute(
                    "CREATE TABLE rows (name text, tenant_id uuid, branch_id uuid, group_id uuid)"
                )
                await conn.executemany(
                    "INSERT INTO rows VALUES ($1, $2, $3, $4)",
                    [
                        ("g1", TENANT, B1, G1),
                        ("g2", TENANT, B2, G2),
                        ("elsewhere", uuid.uuid4(), B1, G1),
                        ("nowhere", TENANT, None, None),
                    ],
                )
                return [await seen_both(principal, conn) for principal in callers]
            finally:
                await conn.close()

    answers = asyncio.run(
        seen(
            [
                caller("owner"),
                caller("admin", {B1}),
                caller("teacher", groups={G2}),
                caller("teacher", {B1}, {G2}),
                caller("accountant", groups={G1}),
                caller("admin"),
            ]
        )
    )
    assert [text for text, _ in answers] == [condition for _, condition in answers]
    assert [text for text, _ in answers] == [
        {"g1", "g2", "nowhere"},
        {"g1"},
        {"g2"},
        {"g1", "g2"},
        set(),
        set(),
    ]


def test_a_service_answers_a_trailing_slash_with_404_never_a_redirect() -> None:
    app = create_service_app(ServiceSettings(service_name="probe"), title="p", database=False)
    router = APIRouter()

    @router.get("/api/v1/probe/things")
    async def things() -> dict[str, str]:
        return {"ok": "yes"}

    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/api/v1/probe/things").status_code == 200
        response = client.get("/api/v1/probe/things/", follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_require_role_answers_non_staff_as_not_found_and_staff_of_another_role_403() -> None:
    with pytest.raises(ProblemError) as portal:
        require_role(caller("owner", realm="portal"), "owner")
    assert portal.value.status == 404
    with pytest.raises(ProblemError) as teacher:
        require_role(caller("teacher"), "owner")
    assert teacher.value.status == 403
    require_role(caller("owner"), "owner")
