"""Handlers for the events the identity context listens to."""

from crm_messaging import Handlers

handlers = Handlers()
