"""The client card: create, read, change, search, duplicates, email confirmation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from clients_svc.access import WRITERS, actor_of
from clients_svc.cards import schemas
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.capacity import ensure_capacity
from clients_svc.cards.repository import Balance, CardsRepository, SearchFilter
from clients_svc.cards.views import CardViews
from clients_svc.context import Context
from clients_svc.domain.cards import birthday_problem, custom_value_problem
from clients_svc.domain.phones import InvalidPhoneError, normalise_phone, phone_query
from clients_svc.domain.text import fold, search_text
from clients_svc.domain.tokens import digest, new_token
from clients_svc.history.service import History
from clients_svc.models import Client
from clients_svc.tags.repository import TagsRepository
from crm_contracts.events.clients import (
    ClientRegistered,
    ClientUpdated,
    EmailConfirmationRequestedV2,
)
from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError, invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope
from crm_platform.sealing import seal

# Changes recorded in the history with their old and new values.
TRACKED = ("first_name", "last_name", "phone", "email", "birthday", "branch_id", "lead_source")


@dataclass
class Cards:
    ctx: Context

    @property
    def repo(self) -> CardsRepository:
        return CardsRepository(self.ctx.session)

    @property
    def views(self) -> CardViews:
        return CardViews(self.ctx)

    async def checked(
        self,
        principal: Principal,
        tenant_id: uuid.UUID,
        values: dict[str, Any],
        *,
        prefix: str = "",
    ) -> dict[str, Any]:
        """Normalised card values; every bad field is named in one 422."""
        errors: list[tuple[str, str]] = []
        out = dict(values)

        def bad(field: str, message: str) -> None:
            errors.append((prefix + field, message))

        if values.get("phone") is not None:
            try:
                out["phone"] = normalise_phone(
                    values["phone"], self.ctx.settings.default_phone_region
                )
            except InvalidPhoneError as exc:
                bad("phone", str(exc))
        if values.get("email") is not None:
            out["email"] = str(values["email"]).lower()
        if "birthday" in values and (
            problem := birthday_problem(values["birthday"], await self.ctx.today(tenant_id))
        ):
            bad("birthday", problem)
        if values.get("branch_id") is not None and not await (
            await ClientAccess(self.ctx).visible(principal)
        ).sees("branch", values["branch_id"]):
            bad("branch_id", "no such branch")
        tag_ids = values.get("tag_ids") or []
        known_tags = await TagsRepository(self.ctx.session).known_tag_ids(tenant_id, tag_ids)
        for i, tag_id in enumerate(tag_ids):
            if tag_id not in known_tags:
                bad(f"tag_ids.{i}", "no such tag in this organisation")
        if values.get("custom_fields"):
            known = {
                f.key: f for f in await TagsRepository(self.ctx.session).custom_fields(tenant_id)
            }
            for key, value in values["custom_fields"].items():
                definition = known.get(key)
                if definition is None:
                    bad(f"custom_fields.{key}", "no such custom field in this organisation")
                elif problem := custom_value_problem(definition.kind, definition.choices, value):
                    bad(f"custom_fields.{key}", problem)
            out["custom_fields"] = {
                k: v for k, v in values["custom_fields"].items() if v is not None
            }
        if errors:
            raise invalid_fields(errors)
        return out

    async def create(
        self, principal: Principal, body: schemas.ClientCreate, *, prefix: str = ""
    ) -> tuple[Client, list[schemas.Duplicate]]:
        require_role(principal, *WRITERS)
        tenant = principal.require_tenant()
        values = body.model_dump()
        if values["branch_id"] is None and not principal.all_branches and principal.branch_ids:
            values["branch_id"] = min(principal.branch_ids)  # the caller's own branch
        values = await self.checked(principal, tenant, values, prefix=prefix)
        await ensure_capacity(self.ctx, tenant, 1)
        client = await self.add(tenant, values, actor=actor_of(principal))
        return client, await self.duplicates(principal, client.phone, client.email, client.id)

    async def add(
        self, tenant_id: uuid.UUID, values: dict[str, Any], *, actor: str | None
    ) -> Client:
        """A new card from checked values, with its history line and events."""
        now = self.ctx.now()
        phone = values.get("phone")
        client = Client(
            id=uuid7(),
            tenant_id=tenant_id,
            first_name=values["first_name"],
            last_name=values["last_name"],
            search_name=search_text(values["first_name"], values["last_name"], values.get("email")),
            phone=phone,
            phone_digits=phone[1:] if phone else None,
            email=values.get("email"),
            email_confirmed=False,
            birthday=values.get("birthday"),
            note=values.get("note"),
            branch_id=values.get("branch_id"),
            lead_source=values.get("lead_source"),
            locale=values.get("locale"),
            custom_fields=values.get("custom_fields") or {},
            status="active",
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.ctx.session.add(client)
        await self.ctx.session.flush()
        await self.repo.set_tags(client.id, values.get("tag_ids") or [])
        History(self.ctx).record(
            client, "other", "client.registered", "Client card created", actor=actor, at=None
        )
        await self.ctx.emit(
            tenant_id, client.id, ClientRegistered(**await self.views.state(client))
        )
        if client.email:
            await self.request_confirmation(client)
        return client

    async def get(self, principal: Principal, client_id: uuid.UUID) -> Client:
        return await ClientAccess(self.ctx).visible_client(principal, client_id)

    async def update(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        body: schemas.ClientUpdate,
        if_match: int | None,
    ) -> Client:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        check_version(client.version, if_match)
        if client.status == "archived":
            raise ProblemError(
                409, "Conflict", "an archived client cannot be changed; restore it first"
            )
        changes = await self.checked(
            principal, client.tenant_id, body.model_dump(exclude_unset=True)
        )
        changed: dict[str, dict[str, Any]] = {}
        for field, value in changes.items():
            old = getattr(client, field)
            if old == value:
                continue
            if field in TRACKED:
                changed[field] = {"from": _plain(old), "to": _plain(value)}
            else:
                changed[field] = {}
            setattr(client, field, value)
        if not changed:
            return client
        client.phone_digits = client.phone[1:] if client.phone else None
        client.search_name = search_text(client.first_name, client.last_name, client.email)
        client.version += 1
        client.updated_at = self.ctx.now()
        actor = actor_of(principal)
        if "phone" in changed:
            History(self.ctx).record(
                client,
                "other",
                "client.phone_changed",
                _phone_summary(changed["phone"]),
                data=changed["phone"],
                actor=actor,
            )
        rest = {k: v for k, v in changed.items() if k != "phone"}
        if rest:
            History(self.ctx).record(
                client,
                "other",
                "client.updated",
                f"Card changed: {', '.join(rest)}",
                data=rest,
                actor=actor,
            )
        if "email" in changed:
            client.email_confirmed = False
            client.email_token_hash = None
            if client.email:
                await self.request_confirmation(client)
        await self.ctx.session.flush()
        await self.ctx.emit(
            client.tenant_id, client.id, ClientUpdated(**await self.views.state(client))
        )
        return client

    async def request_confirmation(self, client: Client) -> None:
        assert client.email is not None
        token = new_token()
        expires = self.ctx.now() + timedelta(hours=self.ctx.settings.email_confirmation_ttl_hours)
        client.email_token_hash = digest(token)
        client.email_token_expires_at = expires
        await self.ctx.emit(
            client.tenant_id,
            client.id,
            EmailConfirmationRequestedV2(
                client_id=client.id,
                email=client.email,
                name=f"{client.first_name} {client.last_name}",
                sealed_token=seal(self.ctx.settings.seal_public_key, "confirm_email", token),
                expires_at=expires,
            ),
        )

    async def confirm_email(self, body: schemas.EmailConfirm) -> None:
        client = await self.repo.by_email_token(digest(body.token))
        expires = client.email_token_expires_at if client is not None else None
        if client is None or expires is None or expires <= self.ctx.now():
            raise ProblemError(400, "Bad Request", "this link is invalid or has expired")
        client.email_confirmed = True
        client.email_token_hash = None
        client.email_token_expires_at = None
        client.version += 1
        client.updated_at = self.ctx.now()
        History(self.ctx).record(
            client,
            "other",
            "client.email_confirmed",
            f"Email {client.email} confirmed",
            data={"email": client.email},
        )
        await self.ctx.session.flush()
        await self.ctx.emit(
            client.tenant_id, client.id, ClientUpdated(**await self.views.state(client))
        )

    async def search(
        self,
        principal: Principal,
        *,
        q: str | None,
        statuses: list[str],
        branch_id: uuid.UUID | None,
        tag_ids: list[uuid.UUID],
        all_tags: bool,
        group_id: uuid.UUID | None,
        balance: Balance | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Client], date]:
        tenant, scope, today = await ClientAccess(self.ctx).scope(principal)
        unknown = set(tag_ids) - await TagsRepository(self.ctx.session).known_tag_ids(
            tenant, tag_ids
        )
        if unknown:
            raise invalid_fields(
                [("tag_id", f"no such tag: {t}") for t in sorted(unknown, key=str)],
                "query",
                detail="unknown tag",
            )
        if balance is not None and principal.finances_hidden:
            raise ProblemError(403, "Forbidden", "finances are hidden from you")
        f = self.search_filter(tenant, q, statuses, branch_id, tag_ids, all_tags, group_id, balance)
        through: list[uuid.UUID] = []
        if group_id is not None:
            through = [group_id]
        elif not principal.all_branches and not principal.branch_ids:
            through = sorted(Scope.of(principal).group_ids)  # a teacher: the groups' pupils
        rows = await self.repo.search(scope, f, today, cursor, limit, through_groups=through)
        return rows, today

    def search_filter(
        self,
        tenant: uuid.UUID,
        q: str | None,
        statuses: list[str],
        branch_id: uuid.UUID | None,
        tag_ids: list[uuid.UUID],
        all_tags: bool,
        group_id: uuid.UUID | None,
        balance: Balance | None,
    ) -> SearchFilter:
        f = SearchFilter(
            tenant_id=tenant,
            statuses=statuses or ("active", "frozen"),
            branch_id=branch_id,
            tag_ids=tag_ids,
            all_tags=all_tags,
            group_id=group_id,
            balance=balance,
        )
        if q and q.strip():
            digits = phone_query(q, self.ctx.settings.default_phone_region)
            if digits is not None:
                f.phone_digits = digits
            else:
                f.name_terms = [t for t in fold(q).split() if t][:5]
        return f

    async def duplicates(
        self,
        principal: Principal,
        phone: str | None,
        email: str | None,
        exclude: uuid.UUID | None = None,
    ) -> list[schemas.Duplicate]:
        tenant, scope, _ = await ClientAccess(self.ctx).scope(principal)
        found = await self.repo.same_contact(
            tenant, [phone] if phone else [], [email] if email else [], exclude
        )
        seen = await self.repo.ids_visible(scope, [c.id for c in found])
        out: list[schemas.Duplicate] = []
        for client in found:
            visible = client.id in seen
            for field in ("phone", "email"):
                wanted = phone if field == "phone" else email
                if wanted and getattr(client, field) == wanted:
                    out.append(
                        schemas.Duplicate(
                            field=field,
                            client_id=client.id if visible else None,
                            name=f"{client.first_name} {client.last_name}" if visible else None,
                        )
                    )
        return out

    async def check_duplicates(
        self, principal: Principal, phone: str | None, email: str | None
    ) -> list[schemas.Duplicate]:
        normalised = None
        if phone:
            try:
                normalised = normalise_phone(phone, self.ctx.settings.default_phone_region)
            except InvalidPhoneError as exc:
                raise invalid("phone", str(exc), "query") from None
        return await self.duplicates(principal, normalised, email.lower() if email else None)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _phone_summary(change: dict[str, Any]) -> str:
    return f"Phone changed from {change['from'] or 'none'} to {change['to'] or 'none'}"
