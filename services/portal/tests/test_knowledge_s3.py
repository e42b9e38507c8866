"""Knowledge files in an S3-compatible store (a moto S3 server over HTTP, which our real
aiobotocore client talks to): written before the row, served through the same signed links,
removed after the material is deleted; a store that does not answer is a 503 with nothing
written; files kept in the database before the store was configured stay readable."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from crm_devrun.ports import free_port
from crm_platform.internal_auth import Principal
from crm_platform.testing import eventually

from .conftest import Api, Org, P, account, fresh_database, running
from .test_knowledge import publish, staff, upload

BUCKET = "school-knowledge"
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings = {
        "files_s3_bucket": BUCKET,
        "files_s3_endpoint_url": f"http://127.0.0.1:{port}",
        "files_s3_access_key_id": "school",
        "files_s3_secret_access_key": "school-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=settings["files_s3_endpoint_url"],
        aws_access_key_id="school",
        aws_secret_access_key="school-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield settings | {"client": client}
    finally:
        server.stop()


def objects(s3: dict[str, Any]) -> list[str]:
    listed = s3["client"].list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in listed.get("Contents", [])]


def fetch_only_file(api: Api, org: Org, material: dict[str, Any]) -> Any:
    seen = api.get(f"{P}/knowledge", account(org.tenant, org.child))
    (file,) = next(m for m in seen["items"] if m["id"] == material["id"])["files"]
    return api.call("GET", file["url"], ANONYMOUS)


def new_org(api: Api) -> Org:
    org = Org()
    api.deliver(org, *org.basics())
    return org


def test_files_go_to_the_store_and_back_and_leave_with_their_material(
    s3: dict[str, Any],
) -> None:
    settings = {k: v for k, v in s3.items() if k != "client"}
    with fresh_database() as url:
        with running(url) as before:  # no store yet: the file is kept in the database
            org = new_org(before)
            owner = staff(org, "owner")
            old = publish(before, org, owner, "Old scores", None)
            assert upload(before, owner, old, b"%PDF old", "application/pdf").status_code == 201
        with running(url, **settings) as api:
            material = publish(api, org, owner, "Scores", None)
            stored = upload(api, owner, material, b"%PDF-1.7 scores", "application/pdf")
            assert stored.status_code == 201, stored.text
            file_id = stored.json()["id"]
            key = f"knowledge/{org.tenant}/{file_id}"
            assert key in objects(s3)
            rows = api.sql(
                "SELECT stored_in, data FROM material_files WHERE id = $1", uuid.UUID(file_id)
            )
            assert [(r["stored_in"], r["data"]) for r in rows] == [("s3", None)]
            fetched = fetch_only_file(api, org, material)
            assert (fetched.status_code, fetched.content) == (200, b"%PDF-1.7 scores")
            assert fetched.headers["content-type"] == "application/pdf"
            # The file kept in the database before still answers.
            assert fetch_only_file(api, org, old).content == b"%PDF old"
            # Deleted: the row at once, the object once the deletion is committed.
            deleted = api.call("DELETE", f"/api/v1/portal/materials/{material['id']}", owner)
            assert deleted.status_code == 204

            async def gone() -> bool:
                return key not in objects(s3)

            asyncio.run(eventually(gone))


def test_a_store_that_does_not_answer_writes_nothing(s3: dict[str, Any]) -> None:
    settings = {k: v for k, v in s3.items() if k != "client"}
    settings["files_s3_endpoint_url"] = f"http://127.0.0.1:{free_port()}"  # nobody there
    with fresh_database() as url, running(url, **settings) as api:
        org = new_org(api)
        owner = staff(org, "owner")
        material = publish(api, org, owner, "Scores", None)
        refused = upload(api, owner, material, b"%PDF-1.7", "application/pdf")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert api.sql("SELECT count(*) AS n FROM material_files")[0]["n"] == 0
