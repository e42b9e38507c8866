"""Transactional letters to people by address: email confirmation, staff invitation,
password reset, portal sign-in codes, and a new lead to the branch's admins."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import (
    EmailConfirmationRequestedV2,
    LeadCreated,
)
from crm_contracts.events.identity import (
    PasswordResetRequestedV2,
    PortalCodeIssued,
    StaffInvitedV2,
)
from notifications_svc.consumers.base import dispatch_for as _dispatch
from notifications_svc.consumers.base import handlers
from notifications_svc.messages.dispatch import Reason, Recipient
from notifications_svc.readmodels import ReadModels


@handlers.on(EmailConfirmationRequestedV2)
async def email_confirmation(
    session: AsyncSession, envelope: EventEnvelope, p: EmailConfirmationRequestedV2
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="email_confirmation",
            occurrence=str(envelope.id),
            recipient=Recipient(client_id=p.client_id, email=p.email, name=p.name),
            variables={"sealed_token": p.sealed_token, "expires_at": p.expires_at.isoformat()},
        )
    )


@handlers.on(StaffInvitedV2)
async def staff_invited(session: AsyncSession, envelope: EventEnvelope, p: StaffInvitedV2) -> None:
    await ReadModels(session).staff(envelope.tenant_id, p.user_id, p.email, p.name)
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="staff_invitation",
            occurrence=str(envelope.id),
            recipient=Recipient(staff_user_id=p.user_id, email=p.email, name=p.name),
            variables={
                "sealed_token": p.sealed_token,
                "expires_at": p.expires_at.isoformat(),
                "role": p.role,
            },
        )
    )


@handlers.on(LeadCreated)
async def lead_created(session: AsyncSession, envelope: EventEnvelope, p: LeadCreated) -> None:
    dispatch = _dispatch(session)
    for admin in await ReadModels(session).branch_admins(envelope.tenant_id, p.branch_id):
        await dispatch.enqueue(
            Reason(
                tenant_id=envelope.tenant_id,
                trigger="lead_created",
                occurrence=str(p.lead_id),
                recipient=Recipient(
                    staff_user_id=admin.user_id, email=admin.email, name=admin.name
                ),
                variables={
                    "lead_name": f"{p.first_name} {p.last_name}".strip(),
                    "lead_phone": p.phone or "",
                    "lead_email": p.email or "",
                    "lead_source": p.source or "",
                },
            )
        )


@handlers.on(PasswordResetRequestedV2)
async def password_reset(
    session: AsyncSession, envelope: EventEnvelope, p: PasswordResetRequestedV2
) -> None:
    await ReadModels(session).staff(envelope.tenant_id, p.user_id, p.email, p.name)
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="password_reset",
            occurrence=str(envelope.id),
            recipient=Recipient(staff_user_id=p.user_id, email=p.email, name=p.name),
            variables={"sealed_token": p.sealed_token, "expires_at": p.expires_at.isoformat()},
        )
    )


@handlers.on(PortalCodeIssued)
async def portal_code(session: AsyncSession, envelope: EventEnvelope, p: PortalCodeIssued) -> None:
    # a code for a phone goes by SMS where the organisation turned SMS on
    by_email = p.channel == "email"
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="portal_code",
            occurrence=str(envelope.id),
            recipient=Recipient(
                email=p.login if by_email else None, phone=None if by_email else p.login
            ),
            variables={
                "sealed_token": p.sealed_code,
                "expires_at": p.expires_at.isoformat(),
                "purpose": p.purpose,
            },
        )
    )
