"""Runs the whole system on one machine (`python -m crm_devrun`, used by `make run`).

Embedded: one process, every service and the gateway as a uvicorn server in one event loop,
sharing the in-process bus. Distributed: a process per service, each on its own database
and RabbitMQ. processes.py and system.py are reused by the tests-e2e harness.
"""
