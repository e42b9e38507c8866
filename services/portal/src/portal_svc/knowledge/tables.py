"""The knowledge centre's tables: materials and their files."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from portal_svc.tables import TZ, Base


class Material(Base):
    """A knowledge-centre material: for the whole chain (no branch) or for one branch."""

    __tablename__ = "materials"
    __table_args__ = (Index("ix_materials_tenant_id_branch_id", "tenant_id", "branch_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # rich text as Markdown; the page renders it
    links: Mapped[str] = mapped_column(Text)  # one URL a line
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)


class MaterialFile(Base):
    """A file of a material: its bytes in `data` (stored_in "db"), or in the S3-compatible
    store under `tenant/id` (stored_in "s3", data empty)."""

    __tablename__ = "material_files"
    __table_args__ = (Index("ix_material_files_material_id", "material_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    material_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    stored_in: Mapped[str] = mapped_column(String(8), default="db")
    created_at: Mapped[datetime] = mapped_column(TZ)
