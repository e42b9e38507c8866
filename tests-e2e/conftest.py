"""The whole system as a user meets it: every service and the gateway as processes of their
own, on fresh PostgreSQL databases and the real RabbitMQ, driven only through the gateway.

Started once per test session with crm_devrun's process code (the one `make run` uses in
distributed mode); stopped cleanly at the end and the databases dropped.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Generator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from py_vapid import Vapid02

from crm_devrun.catalogue import SERVICES, prepare_database
from crm_devrun.ports import free_port
from crm_devrun.processes import CLEAN_EXITS, ManagedProcess, wait_ready
from crm_devrun.system import System, start_system, stop_system
from crm_platform.db_admin import drop_database, with_database
from crm_platform.testing import amqp_url, server_database_url

from .browser import close_test_pages
from .fake_telegram import TELEGRAM, FakeTelegram

READY_WITHIN_SECONDS = 300.0  # seven Python processes starting at once on a small, busy machine
POOL_SIZE = 3  # per service; the test server allows 100 connections in all
OPERATOR_PASSWORD = "operators keep the lights on"
# Each service's database in this run, for the operators' command line (identity's).
DATABASE_URLS: dict[str, str] = {}


def vapid_private_key() -> str:
    """A fresh VAPID key (base64url raw, as `vapid --gen` writes it) for this run's Web Push."""
    key = Vapid02()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


VAPID_PRIVATE_KEY = vapid_private_key()


class SmtpCatcher:
    """The local SMTP server the system's letters go to (aiosmtpd): what it accepted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.letters: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self._lock:
            self.letters.append(mail)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.letters if str(m["To"]) == address]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        # an address starting "bounce-" is refused for good, as a mailbox that does not exist
        if address.startswith("bounce-"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


SMTP = SmtpCatcher()


@pytest.fixture(scope="session")
def smtp() -> SmtpCatcher:
    return SMTP


@pytest.fixture(scope="session")
def telegram() -> FakeTelegram:
    return TELEGRAM


@pytest.fixture(scope="session")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    SMTP.start()
    TELEGRAM.start()
    ports = {s.name: free_port() for s in SERVICES}
    run = uuid.uuid4().hex[:10]
    server = server_database_url()
    database_urls = {s.name: with_database(server, f"e2e_{run}_{s.name}") for s in SERVICES}
    DATABASE_URLS.update(database_urls)
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    try:
        for spec in SERVICES:
            await prepare_database(spec, database_urls[spec.name])
        running = start_system(
            database_urls=database_urls,
            amqp_url=amqp_url(),
            ports=ports,
            gateway_port=free_port(),
            environment="test",
            pool_size=POOL_SIZE,
            base_env=os.environ
            | {
                "NOTIFICATIONS_SMTP_URL": f"smtp://127.0.0.1:{SMTP.port}",
                # letters at any hour here; quiet hours are the service's own tests'
                "NOTIFICATIONS_DEFAULT_QUIET_HOURS": "",
                # Web Push on, to the fake push service a test runs here (test_web_push)
                "NOTIFICATIONS_WEBPUSH_VAPID_PRIVATE_KEY": VAPID_PRIVATE_KEY,
                "NOTIFICATIONS_WEBPUSH_ALLOWED_HOSTS": '["127.0.0.1"]',
                # the front-end marks a text missing from a catalogue (test_web_pages)
                "WEB_MARK_UNTRANSLATED": "true",
            }
            | TELEGRAM.env(ports),
            log_dir=log_dir,
        )
        try:
            await wait_ready(running.processes, within=READY_WITHIN_SECONDS)
            yield running
        finally:
            codes = await asyncio.to_thread(stop_system, running)
        unclean = {name: code for name, code in codes.items() if code not in CLEAN_EXITS}
        assert not unclean, f"processes did not stop cleanly: {unclean}; logs in {log_dir}"
    finally:
        SMTP.stop()
        TELEGRAM.stop()
        for url in database_urls.values():
            await drop_database(url)


@pytest.fixture
async def gateway(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client to the gateway: the only way the tests reach the system."""
    async with httpx.AsyncClient(
        base_url=system.gateway_url, timeout=10.0, trust_env=False
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def embedded_system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """`make run`'s default as a process of its own: every service and the gateway in one
    process on the in-process bus, each database a SQLite file. Yields the gateway's URL."""
    port = free_port()
    where = tmp_path_factory.mktemp("embedded")
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "DATABASE_URL")}
    env |= {"CRM_VAR_DIR": str(where / "var"), "PORT": str(port)}
    devrun = ManagedProcess(
        "embedded",
        [sys.executable, "-m", "crm_devrun"],
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        log_path=where / "devrun.log",
    )
    devrun.start()
    try:
        await wait_ready([devrun], within=READY_WITHIN_SECONDS)
        yield devrun.base_url
    finally:
        devrun.stop()


@pytest.fixture
async def embedded_gateway(embedded_system: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=embedded_system, timeout=10.0, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def operator_email(system: System) -> str:
    """An operator made with the command line an operator of a real deployment uses."""
    email = f"ops-{uuid.uuid4().hex[:8]}@crm.example.com"
    env = os.environ | {
        "IDENTITY_DATABASE_URL": DATABASE_URLS["identity"],
        "OPERATOR_PASSWORD": OPERATOR_PASSWORD,
    }
    command = [sys.executable, "-m", "identity_svc.operators", "create-operator"]
    subprocess.run([*command, "--email", email, "--name", "Ops"], env=env, check=True)
    return email


@pytest.fixture
async def operator(gateway: httpx.AsyncClient, operator_email: str) -> dict[str, str]:
    """An operator's Authorization header, signed in through the gateway."""
    answer = await gateway.post(
        "/auth/operator/token", json={"email": operator_email, "password": OPERATOR_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture(autouse=True)
async def browser_pages(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A failed browser test leaves a screenshot of each page it had open (var/web-tests/
    failed/), and every test's browser contexts are closed after it."""
    yield
    report = request.node.stash.get(CALL_REPORT, None)
    failed = report is not None and report.failed
    for path in await close_test_pages(request.node.name if failed else None):
        print(f"kept {path}")
