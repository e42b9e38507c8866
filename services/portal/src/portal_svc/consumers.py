"""Handlers for the events the portal context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
