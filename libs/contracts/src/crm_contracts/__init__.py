"""Contracts shared across contexts: value types, the event envelope and event payloads."""

from crm_contracts.envelope import EventEnvelope
from crm_contracts.ids import uuid7
from crm_contracts.money import Money
from crm_contracts.registry import EventPayload, registry

__all__ = ["EventEnvelope", "EventPayload", "Money", "registry", "uuid7"]
