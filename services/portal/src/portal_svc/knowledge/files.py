"""Where knowledge-centre files live: in the portal's own database (the default), or in an
S3-compatible store (AWS S3, MinIO, Ceph...) once a bucket is configured. A file keeps the
place it was written to, so files uploaded before the store was configured stay readable."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import structlog
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from crm_platform.errors import ProblemError
from portal_svc.settings import Settings

log = structlog.get_logger()


def unavailable() -> ProblemError:
    return ProblemError(503, "Service Unavailable", "the file store is not answering; try again")


class S3Files:
    """An S3 client for the portal's whole life (a component of the app)."""

    name = "s3-files"
    where = "s3"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.files_s3_bucket
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None
        self._deleting: set[asyncio.Task[None]] = set()

    def key(self, tenant_id: uuid.UUID, file_id: uuid.UUID) -> str:
        return f"{self.settings.files_s3_prefix}{tenant_id}/{file_id}"

    async def start(self) -> None:
        s = self.settings
        self._client = await self._stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=s.files_s3_endpoint_url or None,
                region_name=s.files_s3_region,
                aws_access_key_id=s.files_s3_access_key_id or None,
                aws_secret_access_key=s.files_s3_secret_access_key or None,
                config=Config(
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"} if s.files_s3_endpoint_url else None,
                ),
            )
        )

    async def ready(self) -> None:
        return None

    async def stop(self) -> None:
        if self._deleting:
            await asyncio.gather(*self._deleting, return_exceptions=True)
        await self._stack.aclose()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            log.warning("file_store_put_failed", key=key, error=str(exc))
            raise unavailable() from exc

    async def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when the store no longer has it."""
        try:
            answer = await self._client.get_object(Bucket=self.bucket, Key=key)
            async with answer["Body"] as body:
                data: bytes = await body.read()
                return data
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            log.warning("file_store_get_failed", key=key, error=str(exc))
            raise unavailable() from exc
        except BotoCoreError as exc:
            log.warning("file_store_get_failed", key=key, error=str(exc))
            raise unavailable() from exc

    def delete_after_commit(self, session: AsyncSession, keys: list[str]) -> None:
        """The objects go once the rows naming them are gone for good (never before: a
        rolled-back delete keeps files that still work)."""
        if not keys:
            return

        def deleted(_: Session) -> None:
            task = asyncio.get_running_loop().create_task(self.delete(keys))
            self._deleting.add(task)
            task.add_done_callback(self._deleting.discard)

        event.listen(session.sync_session, "after_commit", deleted, once=True)

    async def delete(self, keys: list[str]) -> None:
        """Best effort, after the rows are gone: an object left behind is only space."""
        for key in keys:
            try:
                await self._client.delete_object(Bucket=self.bucket, Key=key)
            except (BotoCoreError, ClientError) as exc:
                log.warning("file_store_delete_failed", key=key, error=str(exc))
