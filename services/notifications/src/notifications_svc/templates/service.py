"""Templates per organisation x trigger x channel x locale: save (checked: only the
trigger's variables, valid syntax, a known locale), list what is in force, preview any
text with example values, send a test to oneself."""

from __future__ import annotations

import uuid
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import TemplateError

from crm_contracts.ids import uuid7
from crm_platform.errors import invalid, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from notifications_svc.access import tenant_of
from notifications_svc.context import Context
from notifications_svc.domain.triggers import TEMPLATED, TRIGGERS, Trigger, dedup_key
from notifications_svc.messages.dispatch import wake_after_commit
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Organisation, Template
from notifications_svc.templates import schemas
from notifications_svc.templates.render import problems, render
from notifications_svc.templates.samples import sample_variables
from notifications_svc.templates.shipped import SHIPPED_LOCALES, shipped
from notifications_svc.templates.variables import display, zone

MANAGERS = ("owner", "admin")


def known_trigger(name: str) -> Trigger:
    trigger = TRIGGERS.get(name)
    if trigger is None or not trigger.templated:
        raise invalid("trigger", f"unknown trigger '{name}'; known: {', '.join(TEMPLATED)}")
    return trigger


def known_locale(locale: str) -> str:
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise invalid("locale", f"unknown locale '{locale}'") from None
    return str(parsed)


def check(trigger: Trigger, subject: str, body: str) -> None:
    found = {"subject": problems(subject, trigger.allowed), "body": problems(body, trigger.allowed)}
    errors = [(field, message) for field, messages in found.items() for message in messages]
    if errors:
        raise invalid_fields(errors)


class Templates:
    def __init__(self, ctx: Context, public_url: str) -> None:
        self.ctx = ctx
        self.public_url = public_url
        self.repo = MessagesRepository(ctx.session)

    async def save(self, principal: Principal, body: schemas.TemplateWrite) -> schemas.TemplateRead:
        require_role(principal, *MANAGERS)
        tenant = tenant_of(principal)
        trigger = known_trigger(body.trigger)
        locale = known_locale(body.locale)
        check(trigger, body.subject, body.body)
        row = await self.repo.template(tenant, trigger.name, body.channel, locale)
        now = self.ctx.now()
        if row is None:
            row = Template(
                tenant_id=tenant,
                trigger=trigger.name,
                channel=body.channel,
                locale=locale,
                version=0,
            )
            self.ctx.session.add(row)
        row.subject, row.body, row.version = body.subject, body.body, row.version + 1
        row.updated_at, row.updated_by = now, principal.subject[:64]
        await self.ctx.session.flush()
        return self._read(row)

    @staticmethod
    def _read(row: Template) -> schemas.TemplateRead:
        return schemas.TemplateRead(
            trigger=row.trigger,
            channel=row.channel,
            locale=row.locale,
            subject=row.subject,
            body=row.body,
            version=row.version,
            updated_at=row.updated_at,
        )

    async def in_force(
        self, principal: Principal, trigger: str | None, locale: str | None
    ) -> list[schemas.TemplateRead]:
        """Every trigger x shipped locale (email), each the organisation's own if saved,
        else the shipped one; plus any other locale the organisation wrote."""
        require_role(principal, *MANAGERS)
        tenant = tenant_of(principal)
        own = {(t.trigger, t.channel, t.locale): t for t in await self.repo.templates(tenant)}
        out: dict[tuple[str, str, str], schemas.TemplateRead] = {}
        for name in TEMPLATED:
            for loc in SHIPPED_LOCALES:
                source = shipped(name, loc)
                out[(name, "email", loc)] = schemas.TemplateRead(
                    trigger=name,
                    channel="email",
                    locale=loc,
                    subject=source.subject,
                    body=source.body,
                    version=0,
                )
        for key, row in own.items():
            out[key] = self._read(row)
        return [
            t
            for t in sorted(out.values(), key=lambda t: (t.trigger, t.channel, t.locale))
            if (trigger is None or t.trigger == trigger) and (locale is None or t.locale == locale)
        ]

    async def _sample(self, tenant: uuid.UUID) -> tuple[Organisation | None, dict[str, Any]]:
        org = await self.repo.organisation(tenant)
        time_zone = zone(org.time_zone if org else "UTC")
        today = self.ctx.now().astimezone(time_zone).date()
        return org, sample_variables(org.currency if org else "EUR", today, self.public_url)

    async def preview(
        self, principal: Principal, body: schemas.PreviewRequest
    ) -> schemas.PreviewRead:
        require_role(principal, *MANAGERS)
        tenant = tenant_of(principal)
        trigger = known_trigger(body.trigger)
        locale = known_locale(body.locale)
        version = 0
        if body.body is None:
            row = await self.repo.template(tenant, trigger.name, body.channel, locale)
            source = shipped(trigger.name, locale) if row is None else row
            subject, text, version = source.subject, source.body, row.version if row else 0
        else:
            subject, text = body.subject or "", body.body
            check(trigger, subject, text)
        org, raw = await self._sample(tenant)
        variables = display(
            trigger,
            raw,
            locale=locale,
            school=org.name if org else "School",
            time_zone=org.time_zone if org else "UTC",
            opener=None,  # examples carry a plain link, no sealed token
            links={},
        )
        try:
            rendered = render(subject, text, variables, locale)
        except TemplateError as exc:
            raise invalid("body", f"cannot be rendered: {exc}") from None
        return schemas.PreviewRead(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            template_version=version,
        )

    async def test_send(self, principal: Principal, body: schemas.TestSend) -> schemas.TestSent:
        """Queues the template in force, with example values, to the given address."""
        require_role(principal, *MANAGERS)
        tenant = tenant_of(principal)
        trigger = known_trigger(body.trigger)
        locale = known_locale(body.locale)
        _, raw = await self._sample(tenant)
        now = self.ctx.now()
        message_id = uuid7()
        await self.repo.add_unique(
            {
                "id": message_id,
                "tenant_id": tenant,
                "dedup_key": dedup_key(trigger.name, f"test-{message_id}", body.email, "email"),
                "trigger": trigger.name,
                # a test goes at once and carries no unsubscribe link
                "category": "transactional",
                "channel": "email",
                "address": body.email,
                "locale": locale,
                "variables": raw,
                "status": "queued",
                "reason": f"test send by {principal.subject}",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        self.repo.log(message_id, now, "queued", "test send")
        wake_after_commit(self.ctx.session)
        return schemas.TestSent(message_id=message_id)


def triggers() -> list[schemas.TriggerRead]:
    return [
        schemas.TriggerRead(name=t.name, category=t.category, variables=sorted(t.allowed))
        for t in TRIGGERS.values()
    ]
