"""The sender: a job beside the app that hands waiting messages to their channels.

Each pass claims a batch of messages whose time has come (FOR UPDATE SKIP LOCKED and a
lease, so two notifications processes share the work and a dead one's messages come back
after the lease), commits the claim, then handles the batch concurrently: re-check and
render in one transaction, hand over outside any transaction, record the outcome in another.
A transient failure waits the next delay of `retry_delays_seconds`; a permanent one fails.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.notifications import MessageSent
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.periodic import PeriodicJob
from notifications_svc.channels.base import Channel
from notifications_svc.domain.retries import DeliveryError, next_attempt
from notifications_svc.domain.triggers import TRIGGERS
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Message
from notifications_svc.sending import wakeup
from notifications_svc.sending.compose import Composer, Defer, Ready, Skip
from notifications_svc.settings import Settings

log = get_logger(__name__)


class Sender:
    name = "sender"

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        channels: dict[str, Channel],
        composer: Composer,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.channels = channels
        self.composer = composer
        self.settings = settings
        self.clock = clock
        self.job = PeriodicJob("sender", self.run_once, settings.sender_poll_seconds)
        self._limit = asyncio.Semaphore(settings.sender_concurrency)

    async def start(self) -> None:
        wakeup.register(self.job.wake)
        await self.job.start()

    async def stop(self) -> None:
        wakeup.unregister(self.job.wake)
        await self.job.stop()

    async def ready(self) -> None:
        await self.job.ready()

    async def run_once(self) -> int:
        now = self.clock()
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        async with self.database.unit_of_work() as session:
            ids = await MessagesRepository(session).claim_due(
                now, lease, self.settings.sender_batch
            )
        if ids:
            await self._deliver_batch(ids)
        return len(ids)

    async def _deliver_batch(self, ids: list[uuid.UUID]) -> None:
        """The batch composed in one transaction, handed over concurrently, the outcomes
        recorded in one more: three commits a batch rather than two a message. A batch
        that fails to compose or record goes one message at a time, each on its own."""
        try:
            ready = await self._compose_all(ids)
        except Exception:
            log.exception("message_batch_failed", count=len(ids), step="compose")
            await asyncio.gather(*(self._guarded(i) for i in ids))
            return
        outcomes = await asyncio.gather(*(self._hand_over(*item) for item in ready))
        try:
            by_id = {o.message_id: o for o in outcomes}
            async with self.database.unit_of_work() as session:
                repo = MessagesRepository(session)
                async with repo.logging_together():
                    events = [
                        await self._record(repo, msg, by_id[msg.id])
                        for msg in await repo.messages(list(by_id))
                    ]
                await self.outbox.add(session, [e for e in events if e is not None])
        except Exception:
            log.exception("message_batch_failed", count=len(outcomes), step="record")
            for outcome in outcomes:
                try:
                    await self._record_one(outcome)
                except Exception:
                    log.exception("message_delivery_crashed", message_id=str(outcome.message_id))

    async def _compose_all(self, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str, Ready]]:
        ready: list[tuple[uuid.UUID, str, Ready]] = []
        async with self.database.unit_of_work() as session:
            repo = MessagesRepository(session)
            messages = await repo.messages(ids)
            await repo.learn_sending(messages)
            async with repo.logging_together():
                for msg in messages:
                    if msg.status not in ("queued", "deferred"):
                        continue
                    decision = await self._decide(repo, msg)
                    if decision is not None:
                        ready.append((msg.id, msg.channel, decision))
        return ready

    async def _decide(self, repo: MessagesRepository, msg: Message) -> Ready | None:
        """Ready to hand over, or None when skipped or deferred (recorded on `msg`)."""
        decision = await self.composer.compose(repo, msg, self.clock())
        if isinstance(decision, Skip):
            status = "failed" if decision.permanent_failure else "skipped"
            self._close(repo, msg, status, decision.reason)
            return None
        if isinstance(decision, Defer):
            self._defer(repo, msg, decision.until)
            return None
        return decision

    async def _hand_over(self, message_id: uuid.UUID, channel_name: str, ready: Ready) -> Outcome:
        async with self._limit:
            channel = self.channels.get(channel_name)
            try:
                if channel is None:
                    raise DeliveryError(
                        f"the {channel_name} channel is not configured", transient=False
                    )
                return Outcome(message_id, ready, await channel.send(ready.outgoing))
            except DeliveryError as error:
                return Outcome(message_id, ready, error)
            except Exception as error:
                log.exception("message_delivery_crashed", message_id=str(message_id))
                return Outcome(message_id, ready, DeliveryError(str(error), transient=True))

    async def _guarded(self, message_id: uuid.UUID) -> None:
        try:
            await self.deliver(message_id)
        except Exception:
            log.exception("message_delivery_crashed", message_id=str(message_id))

    async def deliver(self, message_id: uuid.UUID) -> None:
        """One message on its own: compose, hand over, record."""
        async with self.database.unit_of_work() as session:
            repo = MessagesRepository(session)
            msg = await repo.message(message_id)
            if msg is None or msg.status not in ("queued", "deferred"):
                return
            ready = await self._decide(repo, msg)
            channel_name = msg.channel
        if ready is not None:
            await self._record_one(await self._hand_over(message_id, channel_name, ready))

    async def _record_one(self, outcome: Outcome) -> None:
        async with self.database.unit_of_work() as session:
            repo = MessagesRepository(session)
            msg = await repo.message(outcome.message_id)
            if msg is not None:
                event = await self._record(repo, msg, outcome)
                await self.outbox.add(session, [event] if event is not None else [])

    async def _record(
        self, repo: MessagesRepository, msg: Message, outcome: Outcome
    ) -> EventEnvelope | None:
        """The outcome written on `msg`; the event to emit with it, if any."""
        if isinstance(outcome.result, DeliveryError):
            await self._failed(repo, msg, outcome.result)
            return None
        return self._sent(repo, msg, outcome.ready, outcome.result)

    def _close(self, repo: MessagesRepository, msg: Message, status: str, reason: str) -> None:
        now = self.clock()
        msg.status, msg.reason, msg.lease_until, msg.updated_at = status, reason, None, now
        msg.next_attempt_at = None
        repo.log(msg.id, now, status, reason)

    def _defer(self, repo: MessagesRepository, msg: Message, until: datetime) -> None:
        now = self.clock()
        reason = f"quiet hours until {until.isoformat()}"
        msg.status, msg.reason, msg.next_attempt_at = "deferred", reason, until
        msg.lease_until, msg.updated_at = None, now
        repo.log(msg.id, now, "deferred", reason)

    def _sent(
        self, repo: MessagesRepository, msg: Message, ready: Ready, provider_id: str
    ) -> EventEnvelope | None:
        now = self.clock()
        msg.status, msg.reason, msg.provider_id = "sent", None, provider_id
        msg.attempts += 1
        msg.sent_at = msg.updated_at = now
        msg.lease_until = msg.next_attempt_at = None
        # a subject may carry a one-time code; the log keeps only others' subjects
        secret = TRIGGERS[msg.trigger].sealed is not None
        msg.subject = None if secret else ready.outgoing.subject
        msg.template_version = ready.template_version
        repo.log(msg.id, now, "sent", provider_id)
        if msg.client_id is None or secret:
            return None
        # the copy in the client's portal inbox
        return self.outbox.envelope(
            MessageSent(
                message_id=msg.id,
                client_id=msg.client_id,
                trigger=msg.trigger,
                category=msg.category,
                channel=msg.channel,
                locale=msg.locale,
                subject=ready.outgoing.subject,
                text=ready.outgoing.text,
                sent_at=now,
            ),
            tenant_id=msg.tenant_id,
            subject=msg.client_id,
        )

    async def _failed(self, repo: MessagesRepository, msg: Message, error: DeliveryError) -> None:
        now = self.clock()
        msg.attempts += 1
        retry_at = next_attempt(error, msg.attempts, self.settings.retry_delays_seconds, now)
        msg.reason, msg.lease_until, msg.updated_at = error.reason, None, now
        msg.next_attempt_at = retry_at
        msg.status = "queued" if retry_at is not None else "failed"
        if error.address_gone:
            await repo.forget_address(msg)
        detail = error.reason if retry_at is None else f"{error.reason}; again at {retry_at}"
        repo.log(msg.id, now, "failed", detail)
        log.warning(
            "message_delivery_failed",
            message_id=str(msg.id),
            reason=error.reason,
            retry=retry_at is not None,
        )


@dataclass(frozen=True)
class Outcome:
    """What handing one message over came to: the provider's id, or the error."""

    message_id: uuid.UUID
    ready: Ready
    result: str | DeliveryError
