"""Handlers for the events the journal context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
