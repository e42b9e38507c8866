"""Handlers for the events the notifications context listens to: read models from identity,
clients, billing and the journal; reasons to write from billing, identity, clients and the
journal. Each module registers its handlers on the one `handlers`."""

from notifications_svc.consumers import billing, journal, people, readmodels
from notifications_svc.consumers.base import handlers

__all__ = ["billing", "handlers", "journal", "people", "readmodels"]
