"""/readyz: 503 when something the app needs fails; "degraded" (still 200) for advisory checks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crm_platform.app import create_service_app
from crm_platform.settings import ServiceSettings


class Check:
    def __init__(self, name: str, healthy: bool, advisory: bool = False) -> None:
        self.name = name
        self.healthy = healthy
        self.advisory = advisory

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ready(self) -> None:
        if not self.healthy:
            raise ConnectionError(self.name)


@pytest.mark.parametrize(
    ("required_ok", "advisory_ok", "status", "code"),
    [
        (True, True, "ready", 200),
        (True, False, "degraded", 200),
        (False, True, "not ready", 503),
        (False, False, "not ready", 503),
    ],
)
def test_readiness_separates_what_is_needed_from_what_is_reported(
    required_ok: bool, advisory_ok: bool, status: str, code: int
) -> None:
    components = [Check("broker", required_ok), Check("billing", advisory_ok, advisory=True)]
    app = create_service_app(
        ServiceSettings(service_name="probe"), title="probe", components=components, database=False
    )
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == code
    assert response.json()["status"] == status
    assert response.json()["checks"]["billing"] == (
        "ok" if advisory_ok else "failed: ConnectionError"
    )
