"""The knowledge centre: staff publish materials (owners for the whole chain, admins for their
branches; a branch named in a body is checked with libs' `Visibility` over the portal's copy
of the organisation's branches, `Context.visible`), clients read those of the chain and of
the branches they are enrolled in. Files live in the portal's own database, or in an
S3-compatible store when one is configured (knowledge/files.py), and are served through
short-lived signed links."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_

from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, ProblemError, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope as StaffScope
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.knowledge import schemas
from portal_svc.knowledge.files import S3Files, unavailable
from portal_svc.knowledge.repository import KnowledgeRepository
from portal_svc.knowledge.tables import Material, MaterialFile
from portal_svc.settings import Settings

PUBLISHERS = ("owner", "admin")
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "audio/mpeg",
        "video/mp4",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
FILE_PATH = "/portal/v1/files"


def sign(secret: str, file_id: uuid.UUID, expires: int) -> str:
    message = f"{file_id}.{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Knowledge:
    ctx: Context
    settings: Settings
    store: S3Files | None = None

    @property
    def repo(self) -> KnowledgeRepository:
        return KnowledgeRepository(self.ctx.session)

    # staff
    def _may_publish(self, principal: Principal, branch_id: uuid.UUID | None) -> StaffScope:
        """Owners and admins publish; for the whole chain only those who hold every branch.
        Which branch they may name is checked where it comes from (`create`, `_own`)."""
        require_role(principal, *PUBLISHERS)
        scope = StaffScope.of(principal)
        if branch_id is None and not scope.all_branches:
            raise ProblemError(403, "Forbidden", "only an owner publishes for the whole chain")
        return scope

    async def _read(self, materials: list[Material]) -> list[schemas.MaterialRead]:
        files = await self.repo.files_of([m.id for m in materials])
        return [
            schemas.MaterialRead(
                id=m.id,
                branch_id=m.branch_id,
                title=m.title,
                body=m.body,
                links=m.links.split(),
                version=m.version,
                created_at=m.created_at,
                updated_at=m.updated_at,
                files=[schemas.FileRead.model_validate(f) for f in files[m.id]],
            )
            for m in materials
        ]

    async def staff_list(self, principal: Principal) -> list[schemas.MaterialRead]:
        scope = StaffScope.of(principal)
        visible = or_(
            Material.branch_id.is_(None), scope.where(Material.tenant_id, Material.branch_id)
        )
        return await self._read(
            await self.repo.materials((Material.tenant_id == scope.tenant_id) & visible)
        )

    async def _own(self, principal: Principal, material_id: uuid.UUID) -> Material:
        scope = StaffScope.of(principal)
        material = await self.repo.material(scope.tenant_id, material_id)
        if material is None or (
            material.branch_id is not None and not scope.sees_branch(material.branch_id)
        ):
            raise NotFoundError("material")
        self._may_publish(principal, material.branch_id)
        return material

    async def create(
        self, principal: Principal, body: schemas.MaterialCreate
    ) -> schemas.MaterialRead:
        scope = self._may_publish(principal, body.branch_id)
        if body.branch_id is not None:
            # A branch of the organisation the caller sees; any other answers as unknown.
            await self.ctx.visible(principal).require("branch", body.branch_id, "branch_id")
        now = self.ctx.now()
        material = Material(
            id=uuid7(),
            tenant_id=scope.tenant_id,
            branch_id=body.branch_id,
            title=body.title,
            body=body.body,
            links="\n".join(str(u) for u in body.links),
            created_by=principal.subject[:64],
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.ctx.session.add(material)
        await self.ctx.session.flush()
        return (await self._read([material]))[0]

    async def update(
        self,
        principal: Principal,
        material_id: uuid.UUID,
        body: schemas.MaterialUpdate,
        if_match: int | None,
    ) -> schemas.MaterialRead:
        material = await self._own(principal, material_id)
        check_version(material.version, if_match)
        if body.title is not None:
            material.title = body.title
        if body.body is not None:
            material.body = body.body
        if body.links is not None:
            material.links = "\n".join(str(u) for u in body.links)
        material.version += 1
        material.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        return (await self._read([material]))[0]

    async def delete(self, principal: Principal, material_id: uuid.UUID) -> None:
        material = await self._own(principal, material_id)
        files = (await self.repo.files_of([material.id]))[material.id]
        for file in files:
            await self.ctx.session.delete(file)
        if self.store is not None:
            keys = [self.store.key(f.tenant_id, f.id) for f in files if f.stored_in == "s3"]
            self.store.delete_after_commit(self.ctx.session, keys)
        await self.ctx.session.delete(material)
        await self.ctx.session.flush()

    async def add_file(
        self,
        principal: Principal,
        material_id: uuid.UUID,
        name: str,
        content_type: str,
        data: bytes,
    ) -> schemas.FileRead:
        material = await self._own(principal, material_id)
        kind = content_type.split(";")[0].strip().lower()
        if kind not in ALLOWED_TYPES:
            raise invalid_fields(
                [("content-type", "not allowed")],
                "header",
                status=415,
                detail=f"{kind or 'this type'} is not an allowed file type",
            )
        file = MaterialFile(
            id=uuid7(),
            tenant_id=material.tenant_id,
            material_id=material.id,
            name=name,
            content_type=kind,
            size=len(data),
            data=data,
            stored_in="db",
            created_at=self.ctx.now(),
        )
        if self.store is not None:
            # Written before the row: a row never names an object that is not there.
            await self.store.put(self.store.key(file.tenant_id, file.id), data, kind)
            file.data, file.stored_in = None, self.store.where
        self.ctx.session.add(file)
        material.version += 1
        material.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        return schemas.FileRead.model_validate(file)

    # clients
    async def for_client(self, scope: Scope) -> schemas.Knowledge:
        today = await self.ctx.today(scope.tenant_id)
        branches = await self.repo.client_branches(scope.tenant_id, scope.client_id, today)
        materials = await self.repo.materials(
            (Material.tenant_id == scope.tenant_id)
            & or_(Material.branch_id.is_(None), Material.branch_id.in_(branches))
        )
        files = await self.repo.files_of([m.id for m in materials])
        expires_at = self.ctx.now() + timedelta(seconds=self.settings.file_link_ttl_seconds)
        expires = int(expires_at.timestamp())
        return schemas.Knowledge(
            client_id=scope.client_id,
            items=[
                schemas.ClientMaterial(
                    id=m.id,
                    branch_id=m.branch_id,
                    title=m.title,
                    body=m.body,
                    links=m.links.split(),
                    updated_at=m.updated_at,
                    files=[
                        schemas.ClientFile(
                            **schemas.FileRead.model_validate(f).model_dump(),
                            url=f"{FILE_PATH}/{f.id}?expires={expires}"
                            f"&sig={sign(self.settings.file_link_secret, f.id, expires)}",
                            expires_at=datetime.fromtimestamp(expires, UTC),
                        )
                        for f in files[m.id]
                    ],
                )
                for m in materials
            ],
        )

    async def signed_file(self, file_id: uuid.UUID, expires: int, sig: str) -> MaterialFile:
        """The file a signed link names: 403 once the link has expired or when it was not
        signed by us (whatever the file), 404 when the file is gone."""
        good = sign(self.settings.file_link_secret, file_id, expires)
        if not hmac.compare_digest(good.encode(), sig.encode()):  # str: ASCII only
            raise ProblemError(403, "Forbidden", "this file link is not valid")
        if expires < int(self.ctx.now().timestamp()):
            raise ProblemError(403, "Forbidden", "this file link has expired; open the page again")
        file = await self.repo.file(file_id)
        if file is None:
            raise NotFoundError("file")
        return file

    async def content(self, file: MaterialFile) -> bytes:
        if file.stored_in == "db":
            return file.data or b""
        if self.store is None:
            raise unavailable()
        data = await self.store.get(self.store.key(file.tenant_id, file.id))
        if data is None:
            raise NotFoundError("file")
        return data
