"""Platform code every service imports. No business rules of any context live here."""
