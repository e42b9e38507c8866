"""Dependencies every router of the clients API shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.service import (
    Cards,
    CustomFields,
    Families,
    Imports,
    Leads,
    Links,
    Statuses,
    Tags,
    Tasks,
    UseCase,
)
from clients_svc.service.profile_requests import ProfileRequests
from clients_svc.settings import Settings
from crm_messaging import Outbox
from crm_platform.db import SessionDep

U = TypeVar("U", bound=UseCase)


def _factory(cls: type[U]) -> Callable[[Request, AsyncSession], Awaitable[U]]:
    async def build(request: Request, session: SessionDep) -> U:
        settings: Settings = request.app.state.settings
        outbox: Outbox = request.app.state.outbox
        return cls(session, settings, outbox)

    return build


CardsDep = Annotated[Cards, Depends(_factory(Cards))]
StatusesDep = Annotated[Statuses, Depends(_factory(Statuses))]
TagsDep = Annotated[Tags, Depends(_factory(Tags))]
FieldsDep = Annotated[CustomFields, Depends(_factory(CustomFields))]
FamiliesDep = Annotated[Families, Depends(_factory(Families))]
LeadsDep = Annotated[Leads, Depends(_factory(Leads))]
LinksDep = Annotated[Links, Depends(_factory(Links))]
TasksDep = Annotated[Tasks, Depends(_factory(Tasks))]
ImportsDep = Annotated[Imports, Depends(_factory(Imports))]
ProfileRequestsDep = Annotated[ProfileRequests, Depends(_factory(ProfileRequests))]
