"""What to do with one message now: skip it (and why), wait for the end of quiet hours, or
the rendered message to hand over.

Re-checked at send time, since the reason may be gone: the client archived or opted out
meanwhile, the invoice paid. The template is the organisation's own in the message's
locale, else its own in the organisation's locale, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import TemplateError

from crm_platform.sealing import Opener, SealError
from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.quiet import quiet_until
from notifications_svc.domain.settled import settled_reason
from notifications_svc.domain.triggers import TRIGGERS
from notifications_svc.messages.dispatch import reachable
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Message, Organisation
from notifications_svc.organisation.settings import OrganisationPrefs
from notifications_svc.templates.render import render
from notifications_svc.templates.shipped import Source, is_shipped, shipped
from notifications_svc.templates.variables import display, zone
from notifications_svc.unsubscribe.tokens import UnsubscribeTokens


@dataclass(frozen=True)
class Skip:
    reason: str
    permanent_failure: bool = False


@dataclass(frozen=True)
class Defer:
    until: datetime


@dataclass(frozen=True)
class Ready:
    outgoing: Outgoing
    template_version: int


async def pick_template(
    repo: MessagesRepository, org: Organisation | None, msg: Message
) -> tuple[Source, int]:
    """The organisation's own template in the client's locale, else in its default one, else
    the shipped one in the first of those locales that is shipped (else English)."""
    locales = [msg.locale] + ([org.locale] if org and org.locale != msg.locale else [])
    for locale in locales:
        own = await repo.template(msg.tenant_id, msg.trigger, msg.channel, locale)
        if own is not None:
            return Source(own.subject, own.body), own.version
    first = next((locale for locale in locales if is_shipped(locale)), "en")
    return shipped(msg.trigger, first), 0


@dataclass(frozen=True)
class Composer:
    opener: Opener
    links: dict[str, str]
    unsubscribe: UnsubscribeTokens
    prefs: OrganisationPrefs

    async def _gone(self, repo: MessagesRepository, msg: Message) -> str | None:
        trigger = TRIGGERS[msg.trigger]
        if msg.client_id is not None:
            client = await repo.client(msg.client_id)
            if trigger.audience == "client" and client is not None:
                if client.status == "archived":
                    return "client archived"
                if msg.channel == "push":
                    if not await repo.has_push_device(client.id):
                        return "no address: no push device left"
                elif reachable(client, msg.channel) is None:
                    return f"no address: no longer reachable by {msg.channel}"
            if trigger.category != "transactional" and await repo.opted_out(
                msg.client_id, trigger.category, msg.channel
            ):
                return "opted out"
        if msg.source and not msg.source.startswith("broadcast:"):
            kind, _, ref = msg.source.partition(":")
            status = await repo.invoice_status(ref) if kind == "invoice" else None
            balance = await repo.balance(msg.client_id) if msg.client_id else None
            owed = msg.variables.get("balance_minor")
            return settled_reason(msg.source, owed, status, balance)
        return None

    async def compose(
        self, repo: MessagesRepository, msg: Message, now: datetime
    ) -> Skip | Defer | Ready:
        trigger = TRIGGERS[msg.trigger]
        if not msg.address:
            return Skip("no address")
        gone = await self._gone(repo, msg)
        if gone is not None:
            return Skip(gone)
        org = await repo.organisation(msg.tenant_id)
        time_zone = org.time_zone if org else "UTC"
        quiet = self.prefs.quiet_hours(org)
        if trigger.category != "transactional" and quiet is not None:
            until = quiet_until(now, zone(time_zone), *quiet)
            if until is not None:
                return Defer(until)
        if msg.trigger == "broadcast":
            broadcast = await repo.broadcast(msg.source.partition(":")[2] if msg.source else "")
            if broadcast is None or broadcast.status == "cancelled":
                return Skip("broadcast cancelled")
            source, version = Source(broadcast.subject, broadcast.body), 0
        else:
            source, version = await pick_template(repo, org, msg)
        try:
            variables = display(
                trigger,
                msg.variables,
                locale=msg.locale,
                school=org.name if org else "",
                time_zone=time_zone,
                opener=self.opener,
                links=self.links,
            )
        except SealError:
            return Skip("the link cannot be opened (sealed for another key)", True)
        try:
            rendered = render(source.subject, source.body, variables, msg.locale)
        except TemplateError as exc:
            return Skip(f"template version {version} cannot be rendered: {exc}", True)
        headers: dict[str, str] = {}
        if trigger.category != "transactional" and msg.client_id is not None:
            url = self.unsubscribe.url(msg.id)
            headers = {
                "List-Unsubscribe": f"<{url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        outgoing = Outgoing(
            message_id=str(msg.id),
            address=msg.address,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers=headers,
        )
        return Ready(outgoing, template_version=version)
