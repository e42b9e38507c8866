"""If-Match and the write are one step: of two writers that read the same version, one
writes and the other is answered 412, on real PostgreSQL (not both 200 with one lost)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Integer, String, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_platform.db import Database, OptimisticVersions, SessionDep, new_metadata
from crm_platform.errors import install_problem_handlers
from crm_platform.preconditions import IfMatch, check_version, version_of
from crm_platform.testing import fresh_database


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)


class Log(Base):
    __tablename__ = "logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Rename(BaseModel):
    name: str


def make_app(database: Database, both_read: asyncio.Barrier) -> FastAPI:
    app = FastAPI()
    app.state.database = database
    install_problem_handlers(app)

    @app.patch("/cards/{card_id}")
    async def rename(card_id: int, body: Rename, session: SessionDep, if_match: IfMatch) -> dict:
        card = await session.get(Card, card_id)
        assert card is not None
        check_version(card.version, version_of(if_match))  # both pass: both read version 1
        await both_read.wait()
        card.name, card.version = body.name, card.version + 1
        await session.flush()
        return {"name": card.name, "version": card.version}

    return app


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    async with fresh_database("versions") as url:
        db = Database(url, pool_size=2)
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.unit_of_work() as session:
            session.add(Card(id=1, name="Olga", version=1))
        yield db
        await db.dispose()


async def test_two_writers_with_the_same_version_one_gets_412(database: Database) -> None:
    app = make_app(database, asyncio.Barrier(2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answers = await asyncio.gather(
            *(
                client.patch("/cards/1", json={"name": name}, headers={"If-Match": '"1"'})
                for name in ("Ola", "Olenka")
            )
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 412], [a.text for a in answers]
    [won] = [a for a in answers if a.status_code == 200]
    [lost] = [a for a in answers if a.status_code == 412]
    assert lost.headers["content-type"] == "application/problem+json"
    async with database.unit_of_work() as session:
        card = await session.get(Card, 1)
        assert card is not None
        assert (card.name, card.version) == (won.json()["name"], 2)


def test_only_tables_with_a_version_are_versioned() -> None:
    assert inspect(Card).version_id_col is Card.__table__.c.version
    assert inspect(Log).version_id_col is None
