"""Clients: clients, families, tags, leads, anonymous links, client history."""
