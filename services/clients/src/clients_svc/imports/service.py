"""Import from CSV/XLSX (dry run, or all-or-nothing per file) and export to CSV."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from clients_svc.access import MANAGERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.capacity import ensure_capacity
from clients_svc.cards.repository import Balance, CardsRepository
from clients_svc.cards.service import Cards
from clients_svc.context import Context
from clients_svc.domain.importing import (
    CustomDef,
    ImportRow,
    Problem,
    TableError,
    check_rows,
    mapping_problems,
    read_table,
)
from clients_svc.domain.text import fold, search_text
from clients_svc.domain.tokens import digest, new_token
from clients_svc.history.repository import HistoryRepository
from clients_svc.imports import schemas
from clients_svc.tags.repository import TagsRepository
from clients_svc.tags.service import Tags
from crm_contracts.events.clients import ClientRegistered, EmailConfirmationRequestedV2
from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError, invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.sealing import seal

EXPORT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "birthday",
    "status",
    "branch_id",
    "lead_source",
    "tags",
    "note",
    "created_at",
)


@dataclass
class Imports:
    ctx: Context

    async def run(self, principal: Principal, body: schemas.ImportIn) -> schemas.ImportReport:
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("content_base64", "not base64") from None
        return await self.run_file(principal, content, body, "content_base64")

    async def run_file(
        self,
        principal: Principal,
        content: bytes,
        body: schemas.ImportOptions,
        content_field: str = "file",
    ) -> schemas.ImportReport:
        """Import the file's rows under `body`'s mapping; `content_field` names the file in
        the errors (the JSON body's base64 field, or the uploaded file)."""
        require_role(principal, *MANAGERS)
        tenant = principal.require_tenant()
        try:
            table = read_table(content, body.format, body.delimiter)
        except TableError as exc:
            raise invalid(content_field, str(exc)) from None
        header, rows = table[0], table[1:]
        if len(rows) > self.ctx.settings.import_max_rows:
            raise invalid(content_field, f"at most {self.ctx.settings.import_max_rows} rows a file")
        if problems := mapping_problems(header, body.mapping):
            raise invalid_fields(
                [(f"mapping.{p.field}", p.message) for p in problems],
                detail="the mapping does not fit the file",
            )
        custom = {
            f.key: CustomDef(f.kind, list(f.choices))
            for f in await TagsRepository(self.ctx.session).custom_fields(tenant)
        }
        good, errors = check_rows(
            rows,
            header,
            body.mapping,
            region=self.ctx.settings.default_phone_region,
            today=await self.ctx.today(tenant),
            custom=custom,
        )
        errors += await self._scope_problems(principal, good)
        warnings = await self._duplicates(tenant, good)
        existing = {t.name_key for t in await TagsRepository(self.ctx.session).tags(tenant)}
        fresh: dict[str, str] = {}
        for row in good:
            for tag in row.tags:
                if fold(tag) not in existing:
                    fresh.setdefault(fold(tag), tag)
        new_tags = sorted(fresh.values(), key=fold)
        imported = 0
        bad = {e.row for e in errors}
        writable = [r for r in good if r.number not in bad]
        if not errors or body.skip_invalid:
            try:
                await ensure_capacity(self.ctx, tenant, len(writable))
            except ProblemError as exc:
                errors.append(Problem(0, "file", exc.detail or "over the plan's limit"))
        refused = any(e.row == 0 for e in errors) or (errors and not body.skip_invalid)
        if refused and not body.dry_run:
            raise ProblemError(
                422,
                "Unprocessable Content",
                f"{len({e.row for e in errors})} rows cannot be imported; nothing was imported",
                errors=[
                    {
                        "field": f"rows.{e.row}.{e.field}",
                        "in": "file",
                        "row": e.row,
                        "message": e.message,
                    }
                    for e in errors
                ],
            )
        if not body.dry_run and writable:
            imported = await self._write(principal, tenant, writable)
        return schemas.ImportReport(
            dry_run=body.dry_run,
            rows=len(rows),
            valid=len(writable),
            imported=imported,
            new_tags=new_tags,
            errors=[
                schemas.RowProblem(row=e.row, field=e.field, message=e.message) for e in errors
            ],
            warnings=[
                schemas.RowProblem(row=w.row, field=w.field, message=w.message) for w in warnings
            ],
        )

    async def preview(
        self, principal: Principal, body: schemas.ImportPreviewIn
    ) -> schemas.ImportPreview:
        require_role(principal, *MANAGERS)
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("content_base64", "not base64") from None
        try:
            table = read_table(content, body.format, body.delimiter)
        except TableError as exc:
            raise invalid("content_base64", str(exc)) from None
        return schemas.ImportPreview(
            columns=[c.strip() for c in table[0]], rows=len(table) - 1, sample=table[1:4]
        )

    async def _scope_problems(self, principal: Principal, rows: list[ImportRow]) -> list[Problem]:
        visible = await ClientAccess(self.ctx).visible(principal)
        named = {r.branch_id for r in rows if r.branch_id is not None}
        seen = {b for b in named if await visible.sees("branch", b)}
        return [
            Problem(r.number, "branch_id", "choose one of the branches you are granted")
            if r.branch_id is None
            else Problem(r.number, "branch_id", "no such branch")
            for r in rows
            if (r.branch_id is None and not principal.all_branches)
            or (r.branch_id is not None and r.branch_id not in seen)
        ]

    async def _duplicates(self, tenant: uuid.UUID, rows: list[ImportRow]) -> list[Problem]:
        out: list[Problem] = []
        for field in ("phone", "email"):
            values = [getattr(r, field) for r in rows if getattr(r, field)]
            counts = Counter(values)
            existing = await CardsRepository(self.ctx.session).same_contact(
                tenant,
                values if field == "phone" else [],
                values if field == "email" else [],
            )
            taken = {getattr(c, field) for c in existing}
            for row in rows:
                value = getattr(row, field)
                if not value:
                    continue
                if value in taken:
                    out.append(Problem(row.number, field, f"a client with this {field} exists"))
                elif counts[value] > 1:
                    out.append(Problem(row.number, field, f"this {field} is on several rows"))
        return sorted(out, key=lambda p: p.row)

    async def _write(self, principal: Principal, tenant: uuid.UUID, rows: list[ImportRow]) -> int:
        tags = Tags(self.ctx)
        tag_ids = {t.name_key: t.id for t in await TagsRepository(self.ctx.session).tags(tenant)}
        for row in rows:
            for name in row.tags:
                if fold(name) not in tag_ids:
                    tag_ids[fold(name)] = (await tags.add(tenant, name)).id
        now = self.ctx.now()
        expires = now + timedelta(hours=self.ctx.settings.email_confirmation_ttl_hours)
        actor = actor_of(principal)
        clients: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        envelopes = []
        for row in rows:
            client_id = uuid7()
            token = new_token() if row.email else None
            row_tags = sorted({tag_ids[fold(t)] for t in row.tags})
            clients.append(
                {
                    "id": client_id,
                    "tenant_id": tenant,
                    "first_name": row.first_name,
                    "last_name": row.last_name,
                    "search_name": search_text(row.first_name, row.last_name, row.email),
                    "phone": row.phone,
                    "phone_digits": row.phone[1:] if row.phone else None,
                    "email": row.email,
                    "email_confirmed": False,
                    "email_token_hash": digest(token) if token else None,
                    "email_token_expires_at": expires if token else None,
                    "birthday": row.birthday,
                    "note": row.note,
                    "branch_id": row.branch_id,
                    "lead_source": row.lead_source,
                    "custom_fields": row.custom,
                    "status": "active",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            links += [{"client_id": client_id, "tag_id": t} for t in row_tags]
            history.append(
                {
                    "id": uuid7(),
                    "tenant_id": tenant,
                    "client_id": client_id,
                    "section": "other",
                    "kind": "client.imported",
                    "summary": "Client card imported from a spreadsheet",
                    "data": {"row": row.number},
                    "actor": actor,
                    "occurred_at": now,
                }
            )
            envelopes.append(
                self.ctx.outbox.envelope(
                    ClientRegistered(
                        client_id=client_id,
                        first_name=row.first_name,
                        last_name=row.last_name,
                        phone=row.phone,
                        email=row.email,
                        birthday=row.birthday,
                        branch_id=row.branch_id,
                        lead_source=row.lead_source,
                        tag_ids=row_tags,
                    ),
                    tenant_id=tenant,
                    subject=client_id,
                )
            )
            if row.email and token:
                # Imported emails are confirmed like any new email.
                envelopes.append(
                    self.ctx.outbox.envelope(
                        EmailConfirmationRequestedV2(
                            client_id=client_id,
                            email=row.email,
                            name=f"{row.first_name} {row.last_name}",
                            sealed_token=seal(
                                self.ctx.settings.seal_public_key, "confirm_email", token
                            ),
                            expires_at=expires,
                        ),
                        tenant_id=tenant,
                        subject=client_id,
                    )
                )
        if self.ctx.session.get_bind().dialect.name == "postgresql":
            by_client: dict[uuid.UUID, list[uuid.UUID]] = {}
            for link in links:
                by_client.setdefault(link["client_id"], []).append(link["tag_id"])
            for values in clients:
                values["tag_ids"] = by_client.get(values["id"], [])
        await CardsRepository(self.ctx.session).insert_many(clients, links)
        await HistoryRepository(self.ctx.session).insert_many(history)
        await self.ctx.outbox.add(self.ctx.session, envelopes)
        return len(clients)

    async def export(
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
    ) -> str:
        require_role(principal, *MANAGERS)
        tenant, scope, today = await ClientAccess(self.ctx).scope(principal)
        cards = Cards(self.ctx)
        f = cards.search_filter(
            tenant, q, statuses, branch_id, tag_ids, all_tags, group_id, balance
        )
        clients = await CardsRepository(self.ctx.session).all_matching(scope, f, today)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for start in range(0, len(clients), 1000):
            chunk = clients[start : start + 1000]
            tags = await CardsRepository(self.ctx.session).tags_of([c.id for c in chunk])
            for c in chunk:
                row = [
                    c.id,
                    c.first_name,
                    c.last_name,
                    c.phone or "",
                    c.email or "",
                    c.birthday.isoformat() if c.birthday else "",
                    c.status,
                    c.branch_id or "",
                    c.lead_source or "",
                    ", ".join(t.name for t in tags[c.id]),
                    c.note or "",
                    c.created_at.isoformat(),
                ]
                writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
        return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"\+[0-9]+")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text rather than runs as a formula (OWASP CSV
    injection): one that starts like a formula gets a leading apostrophe. A phone in
    E.164 (+ and digits) is only a number to a spreadsheet and is kept as it is."""
    if cell.startswith(_FORMULA_START) and _PHONE.fullmatch(cell) is None:
        return "'" + cell
    return cell
