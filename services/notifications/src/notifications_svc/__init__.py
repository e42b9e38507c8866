"""Notifications: channels, templates, triggered messages, broadcasts, delivery log."""
