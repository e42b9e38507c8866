"""Billing: catalogue, packs and subscriptions, ledger, payments, invoices, reminders."""
