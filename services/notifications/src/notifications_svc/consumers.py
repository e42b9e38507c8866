"""Handlers for the events the notifications context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
