"""Handlers for the events the billing context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
