"""What to do with one message now: skip it (and why), or the rendered letter to hand over.

Re-checked at send time, since the reason may be gone: the client archived, opted out
meanwhile."""

from __future__ import annotations

from dataclasses import dataclass

from crm_platform.sealing import Opener, SealError
from notifications_svc.channels.base import Outgoing
from notifications_svc.domain.triggers import TRIGGERS
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Message
from notifications_svc.templates.render import render
from notifications_svc.templates.shipped import shipped
from notifications_svc.templates.variables import display
from notifications_svc.unsubscribe.tokens import UnsubscribeTokens


@dataclass(frozen=True)
class Skip:
    reason: str
    permanent_failure: bool = False


@dataclass(frozen=True)
class Ready:
    outgoing: Outgoing
    template_version: int


@dataclass(frozen=True)
class Composer:
    opener: Opener
    links: dict[str, str]
    unsubscribe: UnsubscribeTokens

    async def compose(self, repo: MessagesRepository, msg: Message) -> Skip | Ready:
        trigger = TRIGGERS[msg.trigger]
        org = await repo.organisation(msg.tenant_id)
        if msg.client_id is not None:
            client = await repo.client(msg.client_id)
            if trigger.audience == "client" and client is not None:
                if client.status == "archived":
                    return Skip("client archived")
                if client.email is None:
                    return Skip("no address: no confirmed email")
            if trigger.category != "transactional" and await repo.opted_out(
                msg.client_id, trigger.category, msg.channel
            ):
                return Skip("opted out")
        if not msg.address:
            return Skip("no address")
        source = shipped(msg.trigger, msg.locale)
        try:
            variables = display(
                trigger,
                msg.variables,
                locale=msg.locale,
                school=org.name if org else "",
                time_zone=org.time_zone if org else "UTC",
                opener=self.opener,
                links=self.links,
            )
        except SealError:
            return Skip("the link cannot be opened (sealed for another key)", True)
        rendered = render(source.subject, source.body, variables, msg.locale)
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
        return Ready(outgoing, template_version=0)
