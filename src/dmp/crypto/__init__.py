"""Envelope encryption (per-dossier data keys wrapped by a master key) and blind indexes."""

from dmp.crypto.blind_index import BlindIndex
from dmp.crypto.envelope import DataKey, Keyring, KeyUnavailable

__all__ = ["BlindIndex", "DataKey", "KeyUnavailable", "Keyring"]
