"""Event payloads, one module per context. Importing this package registers them all."""

from crm_contracts.events import identity, journal

__all__ = ["identity", "journal"]
