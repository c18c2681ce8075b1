"""Blob store fixtures: every contract test runs against the filesystem store and against
the S3 store talking real HTTP to a moto server on a free local port."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from dmp.blobs.filesystem import FilesystemBlobStore
from dmp.blobs.store import BlobStore


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: str) -> Iterator[Any]:
    """One client for the session: building a boto3 client costs a few hundred ms."""
    from dmp.blobs.s3 import make_s3_client

    client = make_s3_client(
        endpoint_url=s3_endpoint, region="eu-west-3", access_key="testing", secret_key="testing"
    )
    yield client
    client.close()


async def make_s3_store(client: Any) -> BlobStore:
    from dmp.blobs.s3 import S3BlobStore

    # One bucket per test: no cross-talk between tests.
    store = S3BlobStore(bucket=f"test-{uuid.uuid4().hex[:12]}", region="eu-west-3", client=client)
    await store.ensure_bucket()
    return store


@pytest.fixture(params=["filesystem", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    blob_store: BlobStore
    if request.param == "filesystem":
        blob_store = FilesystemBlobStore(tmp_path / "blobs")
    else:
        blob_store = await make_s3_store(request.getfixturevalue("s3_client"))
    try:
        yield blob_store
    finally:
        await blob_store.close()


@pytest.fixture
def fs_store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs")
