"""The same deposit, read-back and orphan collection with the S3-API blob store, over
real HTTP to a local moto server (no real S3 service runs here)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dmp.documents.reading import read_document_content
from dmp.documents.storage import collect_orphan_blobs, settle_cleanups
from tests.builders.actors import patient
from tests.builders.documents import CDA, a_document
from tests.builders.dossiers import a_dossier


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_client() -> Iterator[Any]:
    moto_server = pytest.importorskip("moto.server")
    from dmp.blobs.s3 import make_s3_client

    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    client = make_s3_client(
        endpoint_url=f"http://127.0.0.1:{port}",
        region="eu-west-3",
        access_key="testing",
        secret_key="testing",
    )
    try:
        yield client
    finally:
        client.close()
        server.stop()


@pytest.fixture
async def s3_rt(rt, s3_client):
    from dmp.blobs.s3 import S3BlobStore

    store = S3BlobStore(
        bucket=f"docs-{uuid.uuid4().hex[:12]}", region="eu-west-3", client=s3_client
    )
    await store.ensure_bucket()
    rt.blobs = store
    return rt


async def test_deposit_read_and_collect_over_s3(session, s3_rt, clock):
    rt = s3_rt
    clock.set(datetime.now(UTC))
    dossier_id = (await a_dossier(session, rt)).dossier_id
    doc = await a_document(session, rt, dossier_id, content=CDA, mime="text/xml")
    read = await read_document_content(
        session, rt=rt, actor=patient(dossier_id), dossier_id=dossier_id, document_id=doc.id
    )
    assert read.data == CDA
    # An orphan, as a crash between the blob and the commit leaves one.
    await rt.blobs.put(f"{dossier_id}/{uuid.uuid4().hex}", b"sealed bytes of a lost upload")
    assert (await collect_orphan_blobs(session, rt=rt, older_than=timedelta(hours=1))).removed == 0
    clock.advance(timedelta(hours=2))
    report = await collect_orphan_blobs(session, rt=rt, older_than=timedelta(hours=1))
    assert (report.examined, report.removed) == (2, 1)
    await session.rollback()  # the deposit never commits: its blob goes too
    await settle_cleanups()
    assert [key async for key in rt.blobs.list_keys()] == []
