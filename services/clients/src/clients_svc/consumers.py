"""Handlers for the events the clients context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
