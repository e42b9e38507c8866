"""Events between contexts: outbox + relay, inbox consumer, RabbitMQ and in-process buses."""

from crm_messaging.inbox import Handlers, InboxConsumer, Outcome
from crm_messaging.outbox import Outbox
from crm_messaging.runtime import ServiceMessaging
from crm_messaging.tables import MessagingTables
from crm_messaging.topology import RetryPolicy
from crm_messaging.unit_of_work import UnitOfWork

__all__ = [
    "Handlers",
    "InboxConsumer",
    "MessagingTables",
    "Outbox",
    "Outcome",
    "RetryPolicy",
    "ServiceMessaging",
    "UnitOfWork",
]
