"""The anonymous personal link (staff side) and the lookups other parts of the system make:
the portal resolves a link's token, a messenger bot binds a chat by phone, the gateway
locates a client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clients_svc.access import WRITERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.domain.phones import InvalidPhoneError, normalise_phone
from clients_svc.domain.tokens import digest, new_token
from clients_svc.history.service import History
from clients_svc.links import schemas
from clients_svc.links.repository import LinksRepository
from clients_svc.models import MessengerBinding, PersonalLink
from crm_contracts.events.clients import MessengerBound
from crm_contracts.locations import Location
from crm_platform.errors import NotFoundError, ProblemError, invalid
from crm_platform.internal_auth import Principal, require_role


@dataclass
class Links:
    ctx: Context

    @property
    def repo(self) -> LinksRepository:
        return LinksRepository(self.ctx.session)

    async def link_state(self, principal: Principal, client_id: uuid.UUID) -> schemas.LinkState:
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
        active = [link for link in await self.repo.links_of(client.id) if link.revoked_at is None]
        return schemas.LinkState(
            client_id=client.id,
            active=bool(active),
            issued_at=active[0].created_at if active else None,
        )

    async def issue(self, principal: Principal, client_id: uuid.UUID) -> schemas.LinkIssued:
        """A new token; any earlier link of the client stops working (re-issue)."""
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.status == "archived":
            raise ProblemError(409, "Conflict", "an archived client has no personal link")
        now = self.ctx.now()
        reissued = await self._revoke_all(client.id)
        token = new_token()
        self.ctx.session.add(
            PersonalLink(
                token_hash=digest(token),
                tenant_id=client.tenant_id,
                client_id=client.id,
                created_at=now,
            )
        )
        await self.ctx.session.flush()
        History(self.ctx).record(
            client,
            "other",
            "link.issued",
            "Personal link re-issued" if reissued else "Personal link issued",
            data={"reissued": bool(reissued)},
            actor=actor_of(principal),
        )
        return schemas.LinkIssued(client_id=client.id, token=token, issued_at=now)

    async def revoke(self, principal: Principal, client_id: uuid.UUID) -> None:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if not await self._revoke_all(client.id):
            raise ProblemError(409, "Conflict", "the client has no active personal link")
        History(self.ctx).record(
            client, "other", "link.revoked", "Personal link revoked", actor=actor_of(principal)
        )

    async def _revoke_all(self, client_id: uuid.UUID) -> int:
        now = self.ctx.now()
        revoked = 0
        for link in await self.repo.links_of(client_id):
            if link.revoked_at is None:
                link.revoked_at = now
                revoked += 1
        await self.ctx.session.flush()
        return revoked

    async def resolve(self, body: schemas.LinkLookup) -> schemas.LinkResolved:
        """For the portal: who a link belongs to. Revoked links and archived clients are 404."""
        link = await self.repo.link(digest(body.token))
        client = (
            await CardsRepository(self.ctx.session).client_in_tenant(link.tenant_id, link.client_id)
            if link is not None and link.revoked_at is None
            else None
        )
        if client is None or client.status == "archived":
            raise NotFoundError("link")
        return schemas.LinkResolved(
            tenant_id=client.tenant_id,
            client_id=client.id,
            first_name=client.first_name,
            last_name=client.last_name,
            status=client.status,
        )

    async def bind_messenger(self, body: schemas.MessengerBind) -> schemas.MessengerBound:
        """Binds the chat to every client of the organisation with the phone the person
        shared (a parent's phone is often on each child's card)."""
        try:
            phone = normalise_phone(body.phone, self.ctx.settings.default_phone_region)
        except InvalidPhoneError as exc:
            raise invalid("phone", f"{exc}; ask the person to share their number again") from None
        found = await CardsRepository(self.ctx.session).active_by_phone(body.organisation_id, phone)
        live = [c for c in found if c.status != "archived"]
        if not live:
            detail = (
                "the client with this phone number is archived; ask the school to restore them"
                if found
                else "no client of this school has this phone number; ask the school to "
                "put the number you use in the messenger on your card"
            )
            raise ProblemError(404, "Not Found", detail)
        for client in live:
            if await self.repo.binding(client.tenant_id, body.channel, body.chat_id, client.id):
                continue
            self.ctx.session.add(
                MessengerBinding(
                    tenant_id=client.tenant_id,
                    channel=body.channel,
                    chat_id=body.chat_id,
                    client_id=client.id,
                    created_at=self.ctx.now(),
                )
            )
            await self.ctx.session.flush()
            History(self.ctx).record(
                client,
                "other",
                "messenger.bound",
                f"{body.channel.title()} chat bound",
                data={"channel": body.channel},
            )
            await self.ctx.emit(
                client.tenant_id,
                client.id,
                MessengerBound(client_id=client.id, channel=body.channel, chat_id=body.chat_id),
            )
        return schemas.MessengerBound(
            client_ids=[c.id for c in live], names=[f"{c.first_name} {c.last_name}" for c in live]
        )

    async def locate(self, client_id: uuid.UUID) -> Location:
        """For the gateway: the client's tenant, branches (home and current groups') and
        current groups."""
        client = await CardsRepository(self.ctx.session).client_any_tenant(client_id)
        if client is None:
            raise NotFoundError("client")
        today = await self.ctx.today(client.tenant_id)
        memberships = (await CardsRepository(self.ctx.session).groups_of([client.id], today))[
            client.id
        ]
        branches = {m.branch_id for m in memberships}
        if client.branch_id is not None:
            branches.add(client.branch_id)
        return Location(
            tenant_id=client.tenant_id,
            branch_ids=sorted(branches),
            group_ids=sorted({m.group_id for m in memberships}),
        )
