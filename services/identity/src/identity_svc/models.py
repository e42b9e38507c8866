"""Tables of the identity context only."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_messaging.tables import MessagingTables
from crm_platform.db import OptimisticVersions, UtcDateTime, new_metadata

TZ = UtcDateTime()


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(String(32), default="free")
    # Limits set with the plan (None: no limit); operators change them and the status.
    max_active_clients: Mapped[int | None] = mapped_column(Integer)
    max_branches: Mapped[int | None] = mapped_column(Integer)
    max_staff: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, suspended
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("email", name="uq_staff_users_email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # invited, active, deactivated
    password_hash: Mapped[str | None] = mapped_column(String(200))
    finances_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)
    # The time of the last identity.access_changed about this user (for users from before
    # migration 0006, that migration's time): a re-announce of the access carries it, so
    # consumers (newest time wins) never take it over a newer change.
    access_as_of: Mapped[datetime | None] = mapped_column(TZ)


class Announcement(Base):
    """A re-announce of the current state (staff access, branches) to be published: the
    migrations that need one add it, identity runs it at startup (announce/)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: every organisation
    reason: Mapped[str] = mapped_column(String(500))
    done_at: Mapped[datetime | None] = mapped_column(TZ)


class Grant(Base):
    """What a staff user may see: the whole organisation, a branch, or a group."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "scope", "scope_id", name="uq_grants_scope"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # organisation, branch, group
    scope_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class PortalAccount(Base):
    __tablename__ = "portal_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "login", name="uq_portal_accounts_login"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    login: Mapped[str] = mapped_column(String(320))
    client_ids: Mapped[str] = mapped_column(Text)  # space-separated: the client and family
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # active; or, after a sign-up, pending until clients decides, then lead, refused or review
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(TZ)


class PortalCode(Base):
    """One-time codes of the client portal (stored hashed): sign-in, password reset, and the
    proof of an address at sign-up. Issued codes are also what the rate limits count."""

    __tablename__ = "portal_codes"
    __table_args__ = (
        Index("ix_portal_codes_tenant_id_login_created_at", "tenant_id", "login", "created_at"),
        Index("ix_portal_codes_address_created_at", "address", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    login: Mapped[str] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(16))  # signin, reset, signup, contact
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    address: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ)


class RefreshToken(Base):
    """Opaque refresh tokens (stored hashed). Every rotation adds a row to the family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    realm: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None for an operator
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ)


class OneTimeToken(Base):
    """Invitation and password-reset tokens (stored hashed, single use)."""

    __tablename__ = "one_time_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # invite, reset
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)


class SigningKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet-encrypted PKCS#8 PEM
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ)
    signs_from: Mapped[datetime] = mapped_column(TZ)
    retired_at: Mapped[datetime | None] = mapped_column(TZ)


class SignInFailure(Base):
    """Failed sign-ins per account and per address, for lockout and rate limiting."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(TZ)


class Operator(Base):
    """People who run the system for every organisation: plans, limits, suspensions."""

    __tablename__ = "operators"
    __table_args__ = (UniqueConstraint("email", name="uq_operators_email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, deactivated
    created_at: Mapped[datetime] = mapped_column(TZ)


class Group(Base):
    """From the journal's events: which branch a group is in, so that a branch admin sees
    the staff working in that branch's groups."""

    __tablename__ = "groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    as_of: Mapped[datetime] = mapped_column(TZ)


class ClientCard(Base):
    """From the clients context's events: which clients of an organisation are active (not
    archived), so that an operator is told when a limit would fall below the current count."""

    __tablename__ = "client_cards"
    __table_args__ = (Index("ix_client_cards_tenant_id_archived", "tenant_id", "archived"),)

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[datetime] = mapped_column(TZ)


metadata = Base.metadata
messaging = MessagingTables(metadata)
