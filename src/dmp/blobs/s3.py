"""Blob store on an S3-compatible object API, for deployments with several app nodes.

boto3's low-level client is thread-safe, so each blocking call simply runs in a worker
thread. Path-style addressing is forced because most S3-compatible servers (MinIO, Ceph,
Garage, SeaweedFS) do not serve virtual-host buckets under a custom endpoint. A successful
PUT on S3 is already durable and atomic, so no temporary object is needed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from dmp.blobs.store import (
    BlobEntry,
    BlobNotFound,
    is_valid_key,
    validate_delete_prefix,
    validate_key,
    validate_list_prefix,
)

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_DELETE_BATCH = 1000  # the API's limit for one DeleteObjects request


def _is_not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _NOT_FOUND_CODES


def make_s3_client(
    *,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    access_key: str | None = None,
    secret_key: str | None = None,
) -> Any:
    """A boto3 S3 client set up for S3-compatible servers. Costly to build (it loads the
    service model): build one per process and share it, it is thread-safe."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            # Recent botocore sends CRC trailers by default, which many S3-compatible
            # servers reject; an explicit Content-MD5 (see put) is understood by all.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


class S3BlobStore:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        client: Any = None,
    ) -> None:
        self._bucket = bucket
        self._region = region
        # A client passed in belongs to the caller, who closes it.
        self._owns_client = client is None
        self._client: Any = client or make_s3_client(
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    async def ensure_bucket(self) -> None:
        """Create the bucket when missing (development, tests); production provisions it."""

        def create() -> None:
            try:
                self._client.head_bucket(Bucket=self._bucket)
            except ClientError as error:
                if not _is_not_found(error):
                    raise
                if self._region == "us-east-1":  # the one region that refuses a constraint
                    self._client.create_bucket(Bucket=self._bucket)
                else:
                    self._client.create_bucket(
                        Bucket=self._bucket,
                        CreateBucketConfiguration={"LocationConstraint": self._region},
                    )

        await asyncio.to_thread(create)

    async def put(self, key: str, data: bytes) -> None:
        validate_key(key)
        body = bytes(data)
        # The server recomputes the MD5 and refuses the upload if a byte changed in transit.
        digest = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentMD5=digest,
            ContentType="application/octet-stream",
        )

    async def get(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            try:
                response = self._client.get_object(Bucket=self._bucket, Key=key)
            except ClientError as error:
                if _is_not_found(error):
                    raise BlobNotFound(key) from None
                raise
            with response["Body"] as body:
                data: bytes = body.read()
            return data

        return await asyncio.to_thread(read)

    async def exists(self, key: str) -> bool:
        validate_key(key)

        def head() -> bool:
            try:
                self._client.head_object(Bucket=self._bucket, Key=key)
            except ClientError as error:
                if _is_not_found(error):
                    return False
                raise
            return True

        return await asyncio.to_thread(head)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._client.delete_object, Bucket=self._bucket, Key=key)

    def _pages(self, prefix: str) -> Iterator[list[dict[str, Any]]]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            yield page.get("Contents", [])

    async def _objects(self, prefix: str) -> AsyncIterator[dict[str, Any]]:
        pages = self._pages(prefix)
        while True:
            # One page (up to 1000 objects) per thread hop; next() returns None at the end.
            page = await asyncio.to_thread(next, pages, None)
            if page is None:
                return
            for item in page:
                # Objects written by other tools under the bucket are not ours to report.
                if is_valid_key(item["Key"]):
                    yield item

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_list_prefix(prefix)
        async for item in self._objects(prefix):
            yield item["Key"]

    async def list_with_mtime(self, prefix: str = "") -> AsyncIterator[BlobEntry]:
        validate_list_prefix(prefix)
        async for item in self._objects(prefix):
            yield BlobEntry(
                key=item["Key"],
                size=int(item["Size"]),
                modified_at=item["LastModified"].astimezone(UTC),
            )

    async def delete_prefix(self, prefix: str) -> int:
        validate_delete_prefix(prefix)
        keys = [key async for key in self.list_keys(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            request = {"Objects": [{"Key": key} for key in batch], "Quiet": True}
            response = await asyncio.to_thread(
                self._client.delete_objects, Bucket=self._bucket, Delete=request
            )
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(
                    f"could not delete {len(response['Errors'])} blobs under {prefix!r}: "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )
        return len(keys)

    async def close(self) -> None:
        if self._owns_client:
            await asyncio.to_thread(self._client.close)
