"""A running service's start-up heap is frozen (out of the collector's full passes)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from crm_platform.app import create_service_app
from crm_platform.settings import ServiceSettings


def test_the_start_up_heap_is_frozen_while_the_app_runs_and_released_after() -> None:
    gc.unfreeze()
    app = create_service_app(ServiceSettings(), title="t", database=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
