"""Event payloads, one module per context. Importing this package registers them all."""

from crm_contracts.events import billing, clients, identity, journal, notifications, portal

__all__ = ["billing", "clients", "identity", "journal", "notifications", "portal"]
