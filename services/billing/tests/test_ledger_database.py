"""The ledger is append-only in the database itself, and entries must balance at commit."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from .conftest import Api, staff


async def _try(db_url: str, query: str, user: str | None = None) -> Exception | None:
    conn = await asyncpg.connect(db_url, user=user) if user else await asyncpg.connect(db_url)
    try:
        await conn.execute(query)
    except asyncpg.PostgresError as exc:
        return exc
    finally:
        await conn.close()
    return None


@pytest.mark.parametrize(
    "query",
    [
        "UPDATE ledger_entries SET amount_minor = 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_postings SET amount = amount + 1",
        "DELETE FROM ledger_postings",
        "DELETE FROM entry_reversals",
        "UPDATE payment_allocations SET amount_minor = 0",
        "TRUNCATE ledger_postings CASCADE",
    ],
)
def test_update_and_delete_fail_at_the_database(api: Api, query: str) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    payment = api.write(
        f"/clients/{client}/payments",
        owner,
        {
            "amount_minor": 900,
            "method": "cash",
            "allocations": [{"service_id": api.service(owner)["id"], "amount_minor": 900}],
        },
    ).json()
    api.write(f"/clients/{client}/entries/{payment['id']}/cancel", owner, {})
    before = api.sql("SELECT count(*) AS n, sum(amount) AS s FROM ledger_postings")
    import asyncio

    error = asyncio.run(_try(api.db_url, query))
    assert error is not None, "the database accepted a change to the ledger"
    assert "append-only" in str(error)
    assert api.sql("SELECT count(*) AS n, sum(amount) AS s FROM ledger_postings") == before


def test_an_unbalanced_entry_is_refused_at_commit(api: Api) -> None:
    import asyncio

    tenant = uuid.uuid4()
    entry = uuid.uuid4()
    error = asyncio.run(
        _try(
            api.db_url,
            f"""BEGIN;
            INSERT INTO ledger_entries (id, tenant_id, kind, amount_minor, classes, booked_on,
                created_by, created_at)
            VALUES ('{entry}', '{tenant}', 'payment', 1, 0, now(), 'x', now());
            INSERT INTO ledger_postings (entry_id, tenant_id, account, unit, amount)
            VALUES ('{entry}', '{tenant}', 'cash:cash', 'money', 5);
            COMMIT;""",
        )
    )
    assert error is not None
    assert "does not sum to zero" in str(error)
    assert api.sql("SELECT 1 FROM ledger_entries WHERE id = $1", entry) == []


def _entry_sql(entry: uuid.UUID, tenant: uuid.UUID, *amounts: int) -> str:
    postings = ", ".join(
        f"('{entry}', '{tenant}', 'acct:{n}', 'money', {amount})"
        for n, amount in enumerate(amounts)
    )
    inserts = (
        "INSERT INTO ledger_postings (entry_id, tenant_id, account, unit, amount) "
        f"VALUES {postings};"
        if amounts
        else ""
    )
    return f"""
        INSERT INTO ledger_entries (id, tenant_id, kind, amount_minor, classes, booked_on,
            created_by, created_at)
        VALUES ('{entry}', '{tenant}', 'payment', 1, 0, now(), 'x', now());
        {inserts}"""


@pytest.mark.parametrize(
    ("amounts", "message"),
    [((), "has no postings"), ((5, -3), "does not sum to zero"), ((5, -5, 1), "sum to zero")],
)
def test_entries_written_together_with_their_postings_are_checked_at_commit(
    api: Api, amounts: tuple[int, ...], message: str
) -> None:
    import asyncio

    tenant, entry = uuid.uuid4(), uuid.uuid4()
    error = asyncio.run(_try(api.db_url, f"BEGIN; {_entry_sql(entry, tenant, *amounts)} COMMIT;"))
    assert error is not None
    assert message in str(error)
    assert api.sql("SELECT 1 FROM ledger_entries WHERE id = $1", entry) == []


def test_a_posting_added_later_to_a_balanced_entry_is_refused(api: Api) -> None:
    import asyncio

    tenant, entry = uuid.uuid4(), uuid.uuid4()
    assert (
        asyncio.run(_try(api.db_url, f"BEGIN; {_entry_sql(entry, tenant, 5, -5)} COMMIT;")) is None
    )
    for later in (
        f"INSERT INTO ledger_postings (entry_id, tenant_id, account, unit, amount) "
        f"VALUES ('{entry}', '{tenant}', 'acct:x', 'money', 7)",
        # in a transaction that writes another entry of its own as well
        f"BEGIN; {_entry_sql(uuid.uuid4(), tenant, 2, -2)} "
        f"INSERT INTO ledger_postings (entry_id, tenant_id, account, unit, amount) "
        f"VALUES ('{entry}', '{tenant}', 'acct:x', 'money', 7); COMMIT;",
    ):
        error = asyncio.run(_try(api.db_url, later))
        assert error is not None
        assert "does not sum to zero" in str(error)
    rows = api.sql(
        "SELECT sum(amount) AS s, count(*) AS n FROM ledger_postings WHERE entry_id = $1", entry
    )
    assert (rows[0]["s"], rows[0]["n"]) == (0, 2)


def test_privileges_are_revoked_for_a_role_that_is_not_superuser(api: Api) -> None:
    """The migration revokes UPDATE/DELETE from PUBLIC: a role granted the usual rights
    (SELECT, INSERT) by a deploy script still cannot change the ledger."""
    import asyncio

    role = f"billing_app_{uuid.uuid4().hex[:8]}"
    api.sql(f'CREATE ROLE "{role}" LOGIN')
    try:
        api.sql(f'GRANT SELECT, INSERT ON ledger_entries TO "{role}"')
        error = asyncio.run(_try(api.db_url, "DELETE FROM ledger_entries", user=role))
        assert isinstance(error, asyncpg.InsufficientPrivilegeError)
        assert "permission denied" in str(error)
    finally:
        api.sql(f'REVOKE ALL ON ledger_entries FROM "{role}"')
        api.sql(f'DROP ROLE "{role}"')
