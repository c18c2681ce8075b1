"""The long-lived collaborators a service needs besides the database session.

Built once by the composition roots (``app.create_app``, the CLI, the worker, tests) and
passed explicitly to service functions as ``rt``, so nothing reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dmp.config import Settings
from dmp.crypto import BlindIndex, Keyring
from dmp.crypto.passwords import configure_hashing
from dmp.kit.clock import Clock, system_clock
from dmp.kit.lru import LruSet
from dmp.policy import HabilitationMatrix
from dmp.reference import load_habilitation_matrix

if TYPE_CHECKING:
    from dmp.blobs.store import BlobStore


@dataclass
class Runtime:
    settings: Settings
    keyring: Keyring
    blind_index: BlindIndex
    matrix: HabilitationMatrix
    clock: Clock = field(default=system_clock)
    blobs: BlobStore | None = None
    # (dossier id, event key) of events whose NotifiedEvent row is committed: a
    # professional's every read asks whether their first access was notified already.
    notified_events: LruSet = field(default_factory=lambda: LruSet(100_000))


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    import base64

    configure_hashing(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    master = settings.master_key_bytes
    keyring = Keyring(master, settings.previous_master_key_bytes)
    if settings.blind_index_key:
        blind_index = BlindIndex(base64.b64decode(settings.blind_index_key))
    else:
        blind_index = BlindIndex.derived_from_master(master)
    runtime = Runtime(
        settings=settings,
        keyring=keyring,
        blind_index=blind_index,
        matrix=load_habilitation_matrix(),
        clock=clock or system_clock,
    )
    try:
        from dmp.blobs.store import open_blob_store
    except ImportError:  # the blob store arrives with the documents domain
        return runtime
    runtime.blobs = open_blob_store(settings)
    return runtime
